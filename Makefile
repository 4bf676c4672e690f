# nnpipe: libnn and the nn tools.  See README.md.
VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCDIR = $(PREFIX)/include
MANDIR = $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O3 -g

# Debian packages the build and the tests need (installed by make deps).
DEB_PKGS = pkg-config zlib1g-dev libturbojpeg0-dev libcjson-dev check

NN_CFLAGS = -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -MMD -MP
NN_CPPFLAGS = -Iinclude -Ilib -D_POSIX_C_SOURCE=200809L \
	-DNN_VERSION='"$(VERSION)"'
DEP_PKGS = libcjson zlib
DEP_CFLAGS = $$($(PKG_CONFIG) --cflags $(DEP_PKGS))
DEP_LIBS = $$($(PKG_CONFIG) --libs $(DEP_PKGS)) -lm -lpthread

ifeq ($(WERROR),1)
NN_CFLAGS += -Werror
endif
ifeq ($(SAN),1)
NN_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(BLAS),1)
NN_CPPFLAGS += -DNN_BLAS
DEP_PKGS += openblas
endif

LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:.c=.o)
TOOLS = cmd/idx2vec cmd/nn-train cmd/nn-predict cmd/nn-eval
TEST_SRC = $(wildcard tests/check_*.c)
TEST_OBJ = $(TEST_SRC:.c=.o)
DEPS = $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) cmd/util.d $(TOOLS:=.d)

all: $(TOOLS)

%.o: %.c
	$(CC) $(NN_CPPFLAGS) $(CPPFLAGS) $(NN_CFLAGS) $(DEP_CFLAGS) $(CFLAGS) -c -o $@ $<

lib/libnn.a: $(LIB_OBJ)
	$(AR) rcs $@ $(LIB_OBJ)

$(TOOLS): %: %.o cmd/util.o lib/libnn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $@.o cmd/util.o lib/libnn.a $(DEP_LIBS)

tests/check_nn: $(TEST_OBJ) lib/libnn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) lib/libnn.a \
		$$($(PKG_CONFIG) --libs check) $(DEP_LIBS)

-include $(DEPS)

.PHONY: all deps check unit cli clean install uninstall demo
