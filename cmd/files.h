/* files.h - the files a tool reads and writes, checked before it starts
 * work (docs/outputs.md): no output is one of the inputs or another output,
 * and each output can be written.  Not part of libnn. */
#ifndef FILES_H
#define FILES_H

/* Name an input or an output of this run; role says what it is ("the
 * training data", "the model (-o)").  "-" is standard input or output.
 * The strings are borrowed until the end of the run. */
void file_input(const char *path, const char *role);
void file_output(const char *path, const char *role);
/* An output replaced whole by renaming a new file over it (a model): its
 * directory must be writable too. */
void file_replaced(const char *path, const char *role);

/* Check the files named so far.  An output that is an input (the same
 * path, or the same file by another name: a link, a symbolic link,
 * standard output redirected to it) or another output: the usage error
 * "PATH: is both ROLE and ROLE", exit 2.  An output that cannot be
 * written (a directory, a missing directory, no permission, a dangling
 * symbolic link): exit 1.  Nothing has been written when either happens. */
void files_check(void);

/* Whether path is one of the inputs named (for outputs whose names are
 * made as the work goes, such as img2vec's stage files). */
int file_is_input(const char *path);

/* The path to write an output to: a symbolic link's target (so that the
 * link stays a link when the file is replaced), else path itself.  The
 * result is path, or a string valid until the next call. */
const char *file_target(const char *path);

/* Block SIGINT, SIGTERM, SIGHUP and SIGQUIT while a file is written, so
 * that no temporary or partial file is left by a signal: one that arrives
 * meanwhile takes effect at unblock_signals. */
void block_signals(void);
void unblock_signals(void);

#endif
