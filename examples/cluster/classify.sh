#!/bin/sh
# classify.sh - classify every image under DIR with MODEL, across the
# machines GNU parallel is given (this one by default), and print
# FILE<TAB>CLASS<TAB>P for each image, in file-name order (C locale): the
# same bytes as one process,
#     find DIR -type f ... | LC_ALL=C sort | xargs img2vec --tag |
#         nn-predict --tag MODEL
# Workers need bash, nnpipe's img2vec and nn-predict on their PATH, the
# images at the same path (shared storage), and the model: at the same path
# too, or sent with -b.  A job that fails (a worker killed, a lost
# connection) is run again, up to -r times; its output counts only from the
# run that finished, so nothing is lost or doubled.  See the README,
# "Beyond one machine".
set -eu
prog=${0##*/}
usage() {
    cat <<USAGE
Usage: $prog [-S SSHLOGINS] [-j N] [-n IMAGES] [-r RETRIES] [-b] [-w DIR] MODEL DIR
Classify every image (.jpg .jpeg .png .pgm .ppm .pnm .tif .tiff, any case)
under DIR with MODEL; print FILE<TAB>CLASS<TAB>P sorted by file name.

  -S SSHLOGINS  GNU parallel's --sshlogin list, e.g. 8/host1,host2,: (':'
                is this machine) [:]
  -j N          jobs at once on each machine [one per CPU]
  -n IMAGES     images per job [$per]
  -r RETRIES    runs of a failed job before giving up [$retries]
  -b            send MODEL to each machine (parallel --basefile) into the
                directory of -w, instead of reading it at its own path
  -w DIR        the jobs' directory on each machine, with -b [$workdir]
  -h            show this help
Exit status: 0 if every image was classified, 1 otherwise (the others are
still printed), 2 on misuse.
USAGE
}
sshlogin=: jobs= per=100 retries=3 send=0 workdir=.nnpipe-classify
while getopts S:j:n:r:bw:h opt; do
    case $opt in
    S) sshlogin=$OPTARG ;;
    j) jobs=$OPTARG ;;
    n) per=$OPTARG ;;
    r) retries=$OPTARG ;;
    b) send=1 ;;
    w) workdir=$OPTARG ;;
    h) usage; exit 0 ;;
    *) echo "Try '$prog -h'." >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -ne 2 ]; then
    echo "$prog: expected MODEL and DIR" >&2
    echo "Try '$prog -h'." >&2
    exit 2
fi
model=$1 dir=$2
for n in "$per" "$retries" ${jobs:+"$jobs"}; do
    case $n in
    '' | *[!0-9]* | 0) echo "$prog: $n: not a whole number above 0" >&2; exit 2 ;;
    esac
done
[ -r "$model" ] || { echo "$prog: $model: cannot read the model" >&2; exit 1; }
[ -d "$dir" ] || { echo "$prog: $dir: not a directory" >&2; exit 1; }
command -v parallel >/dev/null 2>&1 ||
    { echo "$prog: GNU parallel is not installed (Debian: apt-get install parallel)" >&2; exit 1; }

# The model by its absolute path (shared storage), or with -b by its name in
# the job's directory on another machine, where --basefile puts it ('/./'
# in the path says where the part to keep starts); --basefile sends nothing
# to this machine (':'), whose jobs read the model where it is.
case $model in /*) abs=$model ;; *) abs=$PWD/$model ;; esac
base=${abs##*/}
set -- --sshlogin "$sshlogin" --retries "$retries" --keep-order -0 -n "$per"
[ -z "$jobs" ] || set -- "$@" --jobs "$jobs"
[ "$send" -eq 0 ] || set -- "$@" --workdir "$workdir" --basefile "${abs%/*}/./$base"

# One job: its images through img2vec and nn-predict.  pipefail: a killed
# img2vec must fail the job, not end nn-predict's input early and quietly.
# shellcheck disable=SC2016
job='set -o pipefail
m=$1
[ "${PARALLEL_SSHLOGIN:-:}" = : ] || [ ! -f "${m##*/}" ] || m=$PWD/${m##*/}
cd "$2" && shift 2 &&
img2vec --tag --no-progress -- "$@" | nn-predict --tag --threads 1 "$m"'

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
find "$dir" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \
    -o -iname '*.pgm' -o -iname '*.ppm' -o -iname '*.pnm' -o -iname '*.tif' \
    -o -iname '*.tiff' \) -print0 | LC_ALL=C sort -z |
    parallel "$@" "bash -c $(q "$job") classify $(q "$abs") $(q "$PWD") {}"
