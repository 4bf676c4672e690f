# slurm: examples/cluster/slurm-classify.sh on a single-node Slurm that the
# test starts on 127.0.0.1 (munged, slurmctld, slurmd, on its own key,
# socket, ports and directories) and stops; compared with one process.
for t in munged slurmctld slurmd sbatch sinfo; do
    command -v $t >/dev/null || skip "Slurm not tested: no $t (Debian: slurm-wlm, munge)"
done
# slurmd must start jobs as the submitting user, which takes root.
[ "$(id -u)" -eq 0 ] || skip "Slurm not tested: slurmd must run as root to start jobs, and this runs as $(id -un)"
I="$DATA/img"
idx2vec "$DATA/mnist10-images-idx3-ubyte" "$DATA/mnist10-labels-idx1-ubyte" > ten.vec
nn-train -q -H 16 -e 20 -s 1 -o m.json ten.vec
mkdir -p imgs/sub s/state s/spool s/log s/munge
cp "$I/gray.png" "$I/p5.pgm" "$I/rgb.png" "$I/baseline.jpg" imgs/
cp "$I/orient-6.jpg" "imgs/sub/a b.jpg"
find imgs -type f | LC_ALL=C sort | tr '\n' '\0' | xargs -0 img2vec --tag |
    nn-predict --tag m.json > ref.out

# stop: the daemons, waited for (slurmctld saves its state as it stops;
# run.sh removes $TMP after this, which fails while they still write).
stop() {
    for f in s/ctld.pid s/d.pid s/munge/pid; do
        [ -f "$TMP/$f" ] || continue
        pid=$(cat "$TMP/$f")
        kill "$pid" 2>/dev/null || continue
        t=0
        while kill -0 "$pid" 2>/dev/null && [ $t -lt 100 ]; do
            t=$((t + 1))
            sleep 0.1
        done
    done
}
trap stop EXIT
head -c 1024 /dev/urandom > s/munge.key
chmod 400 s/munge.key
munged -f --key-file="$TMP/s/munge.key" --socket="$TMP/s/munge/sock" \
    --pid-file="$TMP/s/munge/pid" --log-file="$TMP/s/log/munge" \
    --seed-file="$TMP/s/munge/seed" || skip "Slurm not tested: munged would not start: $(tail -n 1 s/log/munge)"
host=$(hostname -s)
base=$(( 27000 + $$ % 1000 * 2 ))
cat > s/slurm.conf <<CONF
ClusterName=nntest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$TMP/s/munge/sock
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$TMP/s/state
SlurmdSpoolDir=$TMP/s/spool
SlurmctldPidFile=$TMP/s/ctld.pid
SlurmdPidFile=$TMP/s/d.pid
SlurmctldLogFile=$TMP/s/log/ctld
SlurmdLogFile=$TMP/s/log/d
SlurmUser=root
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$TMP/s/slurm.conf"
slurmctld -f "$SLURM_CONF" || skip "Slurm not tested: slurmctld would not start: $(tail -n 1 s/log/ctld)"
slurmd -f "$SLURM_CONF" || skip "Slurm not tested: slurmd would not start: $(tail -n 1 s/log/d)"
t=0
until sinfo -h -o %t 2>/dev/null | grep -qx idle; do
    t=$((t + 1))
    [ $t -lt 100 ] || skip "Slurm not tested: the node never became idle: $(tail -n 1 s/log/d)"
    sleep 0.2
done
expect 0 "$TOP/examples/cluster/slurm-classify.sh" -s 3 m.json imgs
cmp "$TMP/out" ref.out || fail "slurm-classify.sh differs from one process"
expect 0 "$TOP/examples/cluster/slurm-classify.sh" -s 8 m.json imgs
cmp "$TMP/out" ref.out || fail "more shards than images"
ls -a | grep -q '^\.nn-classify' && fail "a run's directory was left behind"
stop
trap - EXIT
