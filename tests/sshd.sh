# sshd.sh - a throwaway sshd on a loopback port, for the tests and the
# bench that run GNU parallel's -S over ssh to 127.0.0.1.  Source it, then
#     sshd_start DIR    keys, sshd_config and DIR/config (ssh -F DIR/config
#                       nnw reaches it as this user); 0 when it answers,
#                       else 1 with the reason in $sshd_why
#     sshd_stop DIR     stop it (by the pid in DIR/pid)
# DIR must be an absolute path that sshd may read.

sshd_stop() { [ ! -f "$1/pid" ] || kill "$(cat "$1/pid")" 2>/dev/null || true; }

sshd_start() {
    sd_dir=$1 sshd_why= sd_port=
    sd_bin=$(command -v sshd || echo /usr/sbin/sshd)
    if [ ! -x "$sd_bin" ]; then sshd_why="no sshd (Debian: openssh-server)"; return 1; fi
    if ! command -v ssh >/dev/null; then sshd_why="no ssh client"; return 1; fi
    mkdir -p "$sd_dir"
    rm -f "$sd_dir/host" "$sd_dir/host.pub" "$sd_dir/user" "$sd_dir/user.pub"
    ssh-keygen -q -t ed25519 -N '' -f "$sd_dir/host" >/dev/null &&
        ssh-keygen -q -t ed25519 -N '' -f "$sd_dir/user" >/dev/null ||
        { sshd_why="ssh-keygen failed"; return 1; }
    cp "$sd_dir/user.pub" "$sd_dir/authorized_keys"
    [ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd   # privilege separation
    for p in 22722 23722 24722 25722 26722; do
        cat > "$sd_dir/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $p
HostKey $sd_dir/host
AuthorizedKeysFile $sd_dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PidFile $sd_dir/pid
CONF
        if "$sd_bin" -f "$sd_dir/sshd_config" -E "$sd_dir/log"; then
            sd_t=0
            while [ ! -f "$sd_dir/pid" ] && [ $sd_t -lt 50 ]; do sleep 0.1; sd_t=$((sd_t + 1)); done
            if [ -f "$sd_dir/pid" ]; then sd_port=$p; break; fi
        fi
    done
    if [ -z "$sd_port" ]; then
        sshd_why="sshd would not start here ($(tail -n 1 "$sd_dir/log" 2>/dev/null))"
        return 1
    fi
    cat > "$sd_dir/config" <<CONF
Host nnw
  HostName 127.0.0.1
  Port $sd_port
  User $(id -un)
  IdentityFile $sd_dir/user
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
CONF
    if ! ssh -F "$sd_dir/config" nnw true; then
        sshd_why="ssh to it failed: $(tail -n 3 "$sd_dir/log")"
        sshd_stop "$sd_dir"
        return 1
    fi
}
