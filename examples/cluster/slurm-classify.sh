#!/bin/bash
# slurm-classify.sh - classify every image under DIR with MODEL on a Slurm
# cluster: the sorted list of images is cut into SHARDS contiguous shards,
# an array job classifies one shard per task (img2vec --tag | nn-predict
# --tag), and the parts are joined in order: FILE<TAB>CLASS<TAB>P sorted by
# file name, the same bytes as one process (see classify.sh).  The
# directory of the run (the current one) must be on storage every node
# sees, with the images and MODEL; the tools must be on the nodes' PATH.
# Usage: slurm-classify.sh [-s SHARDS] [-p PARTITION] MODEL DIR > out.tsv
#SBATCH --job-name=nn-classify
set -euo pipefail
if [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
    # One task: shard SLURM_ARRAY_TASK_ID of the list, written whole or not
    # at all (a task that fails is run again by requeue or by hand).
    work=$1 model=$2 shards=$3 i=$SLURM_ARRAY_TASK_ID
    n=$(wc -l < "$work/list")
    per=$(( (n + shards - 1) / shards ))
    first=$(( i * per + 1 )) last=$(( (i + 1) * per ))
    sed -n "${first},${last}p" "$work/list" | tr '\n' '\0' |
        xargs -0 -r img2vec --tag --no-progress -- |
        nn-predict --tag --threads 1 "$model" > "$work/part.$i.tmp"
    mv "$work/part.$i.tmp" "$work/part.$i"
    exit 0
fi
prog=${0##*/}
shards=4 partition=
while getopts s:p:h opt; do
    case $opt in
    s) shards=$OPTARG ;;
    p) partition=$OPTARG ;;
    h) sed -n '2,10p' "$0"; exit 0 ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "$prog: expected MODEL and DIR (-h: help)" >&2; exit 2; }
case $shards in '' | *[!0-9]* | 0) echo "$prog: -s $shards: not a whole number above 0" >&2; exit 2 ;; esac
model=$1 dir=$2
case $model in /*) ;; *) model=$PWD/$model ;; esac
[ -r "$model" ] || { echo "$prog: $model: cannot read the model" >&2; exit 1; }
work=$(mktemp -d "$PWD/.nn-classify.XXXXXX")
trap 'rm -rf "$work"' EXIT
find "$dir" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \
    -o -iname '*.pgm' -o -iname '*.ppm' -o -iname '*.pnm' -o -iname '*.tif' \
    -o -iname '*.tiff' \) | LC_ALL=C sort > "$work/list"
[ -s "$work/list" ] || exit 0
sbatch --wait --quiet --array="0-$((shards - 1))" ${partition:+--partition="$partition"} \
    --chdir="$PWD" --output="$work/log.%a" "$0" "$work" "$model" "$shards" ||
    { cat "$work"/log.* >&2 2>/dev/null; echo "$prog: the array job failed" >&2; exit 1; }
i=0
while [ $i -lt "$shards" ]; do
    [ -f "$work/part.$i" ] || { echo "$prog: shard $i has no result" >&2; exit 1; }
    i=$((i + 1))
done
i=0
while [ $i -lt "$shards" ]; do cat "$work/part.$i"; i=$((i + 1)); done
