#!/usr/bin/env bash
# Start/stop the real engines and services dockwire's live tests run against (see docs/engines.md).
#
#   scripts/engines.sh start [NAME|all]...   default: d20 d28
#   scripts/engines.sh stop  [NAME|all]...   default: all; only what this script started
#   scripts/engines.sh env   [NAME|all]...   default: all that answer; prints VAR=value lines for eval
#   scripts/engines.sh status
#   scripts/engines.sh busybox NAME        loads busybox:local into engine NAME (done for the swarm's nodes)
#
# Docker API engines (`env` lists those that answer in DOCKWIRE_HOSTS):
#   d20       Docker 20.10 from Debian 12's docker.io         unix:///var/run/docker.sock
#   d28       Docker 28.5 unpacked from Debian unstable (falls back to 26.1 from Debian 13),
#             with its own bridge d28br0                      unix:///tmp/d28/docker.sock
#   d26       Docker 26.1 unpacked from Debian 13 (trixie), bridge d26br0
#                                                             unix:///tmp/d26/docker.sock
#   podman    Podman 4.3's Docker-compatible API (Debian 12's podman, default_ulimits = [] in
#             /etc/containers/containers.conf)               unix:///tmp/podman.sock
#   podman5   Podman 5.4 from Debian 13 in a debootstrap root /tmp/p5root (made once: 40 s to
#             11 min), run as the root of its own mount namespace (pivot_root, never chroot: see
#             start_podman5); every start proves that an exec stays in its container, or fails;
#             best effort in `start all`                      unix:///tmp/p5sock/podman.sock
# Services (`env` prints their own variables):
#   tls       Docker 28.5 (d28's build) with --tlsverify on tcp://127.0.0.1:2376 (own socket
#             /tmp/d28tls/docker.sock, bridge d28tlsbr0); certificates made here by openssl in
#             /tmp/d28tls/certs: client/ (DOCKER_CERT_PATH-style ca.pem cert.pem key.pem), wrong/ (the
#             same from another CA, for negative tests), server/, ca/, wrong-ca/.
#             DOCKWIRE_TLS_HOST=tcp://127.0.0.1:2376 DOCKWIRE_TLS_CERT_PATH=/tmp/d28tls/certs/client
#             DOCKWIRE_TLS_WRONG_CERT_PATH=/tmp/d28tls/certs/wrong
#             DOCKWIRE_TLS_SOCK=unix:///tmp/d28tls/docker.sock
#   ssh       Debian 12's sshd on 127.0.0.1:2222 (own config, host key, keys, known_hosts in
#             /tmp/dwssh; root by key only); the "remote" is this machine, whose docker CLI
#             reaches d20 (DOCKER_HOST set in authorized_keys); a second key gets no docker on PATH.
#             DOCKWIRE_SSH_HOST=ssh://root@127.0.0.1:2222 DOCKWIRE_SSH_KEY=/tmp/dwssh/id_ed25519
#             DOCKWIRE_SSH_KNOWN_HOSTS=/tmp/dwssh/known_hosts DOCKWIRE_SSH_CONFIG=/tmp/dwssh/ssh_config
#             DOCKWIRE_SSH_KEY_NODOCKER=/tmp/dwssh/id_nodocker
#             DOCKWIRE_SSH_REMOTE_DOCKER_HOST=unix:///var/run/docker.sock
#   registry  Debian 12's docker-registry (distribution 2.8) with htpasswd auth, data in /tmp/reg;
#             both Docker engines use it as an insecure registry without any daemon flag.
#             DOCKWIRE_REGISTRY=127.0.0.1:5000 DOCKWIRE_REGISTRY_USER=dockwire
#             DOCKWIRE_REGISTRY_PASSWORD=dockwire-pass (a fixed test password)
#   swarm     a two-node swarm: d28 (started if needed) as manager on 10.77.0.1, a second Docker 28.5
#             as worker (hostname dockwire-worker) in netns dwn2 on 10.77.0.2 (veth dwv1/dwv2),
#             busybox:local loaded into both; `stop swarm` leaves and removes the worker and netns.
#             DOCKWIRE_SWARM_MANAGER=unix:///tmp/d28/docker.sock
#             DOCKWIRE_SWARM_WORKER=unix:///tmp/d28w/docker.sock
#             DOCKWIRE_SWARM_MANAGER_ADDR=10.77.0.1 DOCKWIRE_SWARM_WORKER_ADDR=10.77.0.2
#
# Idempotent: an engine whose socket already answers /_ping is left alone; packages are installed
# only when missing; the unpacked d28 root and its .debs are cached, so re-runs download nothing.
# Concurrent runs wait for each other per name (one lock per engine or service, /run/dockwire-engines).
# Needs root, Debian 12, and Debian's mirror. Log lines go to stderr; `env` alone writes stdout.
set -euo pipefail

STATE_DIR=/run/dockwire-engines     # pidfiles of the engines this script started
START_TIMEOUT=${START_TIMEOUT:-60}  # seconds to wait for /_ping

D20_SOCK=/var/run/docker.sock
D20_LOG=/tmp/dockerd.log

D28_DIR=/tmp/d28
D28_SOCK=$D28_DIR/docker.sock
D28_LOG=$D28_DIR/log
D28_BRIDGE=d28br0
D28_BRIDGE_CIDR=172.31.255.1/24
D28_SUITES=${D28_SUITES:-"sid trixie"}   # tried in order until one dockerd answers

D26_DIR=/tmp/d26
D26_SOCK=$D26_DIR/docker.sock
D26_BRIDGE=d26br0
D26_BRIDGE_CIDR=172.31.254.1/24
D26_SUITE=trixie

PODMAN_SOCK=/tmp/podman.sock
PODMAN_LOG=/tmp/podman.log

P5_SUITE=trixie
P5_ROOT=/tmp/p5root                # the Debian 13 root, kept between runs
P5_SOCKDIR=/tmp/p5sock             # bind-mounted at the same path inside the root
P5_SOCK=$P5_SOCKDIR/podman.sock
P5_LOG=/tmp/p5.log
P5_BOOTSTRAP_LOG=/tmp/p5-debootstrap.log
P5_BRIDGE=p5podman0                # Podman 5's default network; Podman 4.3 has podman0, 10.88.0.0/16
P5_SUBNET=10.91.255.0/24
P5_GATEWAY=10.91.255.1
# The subnets of networks made on Podman 5: Podman 4.3 takes those of its new networks from
# 10.89.0.0/16 (the default pool), and each sees only the other's bridges that exist already.
P5_POOL=10.90.0.0/16

# Docker 28.5 with --tlsverify on 127.0.0.1:TLS_PORT (and its own Unix socket, for setup).
TLS_DIR=/tmp/d28tls
TLS_SOCK=$TLS_DIR/docker.sock
TLS_PORT=2376
TLS_BRIDGE=d28tlsbr0
TLS_BRIDGE_CIDR=172.31.253.1/24

# sshd for ssh:// hosts, on loopback; the "remote" docker CLI reaches SSH_REMOTE_DOCKER_HOST.
SSH_DIR=/tmp/dwssh
SSH_PORT=2222
SSH_REMOTE_DOCKER_HOST=unix:///var/run/docker.sock

# A registry with authentication, for pull/push/login tests. The password is a fixed test value.
REG_DIR=/tmp/reg
REG_ADDR=127.0.0.1:5000
REG_USER=dockwire
REG_PASS=dockwire-pass
REG_LOG=$REG_DIR/log

# The two-node swarm: d28 is the manager; the worker is another dockerd in netns $SWARM_NS.
SWARM_NS=dwn2
SWARM_VETH_HOST=dwv1
SWARM_VETH_NS=dwv2
SWARM_MANAGER_IP=10.77.0.1     # on dwv1, in the host's namespace
SWARM_WORKER_IP=10.77.0.2      # on dwv2, in $SWARM_NS
SWARM_HOSTNAME=dockwire-worker
SWARM_DIR=/tmp/d28w
SWARM_SOCK=$SWARM_DIR/docker.sock
SWARM_LOG=$SWARM_DIR/log

# Docker API engines on Unix sockets: `env` lists them in DOCKWIRE_HOSTS; the other names are
# services, for which `env` prints variables of their own (env_NAME).
ENGINES_API="d20 d28 d26 podman podman5"
ALL_ENGINES="d20 d28 registry swarm d26 podman tls ssh podman5"  # `start all`, in this order
BEST_EFFORT="podman5"   # failing to start these is not fatal when several names are started
APT_LOG=/tmp/engines-apt.log

log() { printf '[engines %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------- helpers

sock_of() {
  case $1 in
    d20) echo "$D20_SOCK" ;; d28) echo "$D28_SOCK" ;; d26) echo "$D26_SOCK" ;;
    podman) echo "$PODMAN_SOCK" ;; podman5) echo "$P5_SOCK" ;; tls) echo "$TLS_SOCK" ;;
  esac
}

ping_ok() { # ping_ok SOCKET
  [ -S "$1" ] && curl -sf --max-time 3 --unix-socket "$1" http://d/_ping >/dev/null 2>&1
}

# Prints "ENGINE: Version X API Y unix://SOCKET" from GET /version.
report_version() { # report_version ENGINE
  local sock json ver api
  sock=$(sock_of "$1")
  # Podman 4.3 takes about 7 s to answer: it runs `dpkg -S` for conmon, runc and slirp4netns.
  json=$(curl -sf --max-time 30 --unix-socket "$sock" http://d/version) || { log "$1: GET /version failed"; return 0; }
  ver=$(sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' <<<"${json//,/$'\n'}" | head -n1)
  api=$(sed -n 's/.*"ApiVersion":"\([^"]*\)".*/\1/p' <<<"${json//,/$'\n'}" | head -n1)
  printf '%-9s Version %-22s API %-5s unix://%s\n' "$1:" "$ver" "$api" "$sock"
}

status_engine() { # status_engine ENGINE
  if ping_ok "$(sock_of "$1")"; then report_version "$1"; else printf '%-9s down\n' "$1:"; fi
}
status_d20() { status_engine d20; }
status_d28() { status_engine d28; }
status_d26() { status_engine d26; }
status_podman() { status_engine podman; }
status_podman5() {
  status_engine podman5
  if ping_ok "$P5_SOCK" && ! p5_proven; then printf '%-9s %s\n' "" "NOT PROVEN SAFE (no exec probe of this service): left out of env"; fi
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
read_pid() { [ -s "$1" ] && cat "$1" || true; }

# Waits until CHECK... succeeds while PID lives; on failure shows the log's tail.
wait_until() { # wait_until WHAT PID LOG CHECK...
  local what=$1 pid=$2 logf=$3 i; shift 3
  for ((i = 0; i < START_TIMEOUT * 2; i++)); do
    "$@" && return 0
    if ! pid_alive "$pid"; then
      log "$what exited before it was ready; last lines of $logf:"
      tail -n 25 "$logf" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  log "$what was not ready within ${START_TIMEOUT}s; last lines of $logf:"
  tail -n 25 "$logf" >&2 || true
  return 1
}

# Waits for SOCKET to answer /_ping while PID lives.
wait_ping() { # wait_ping NAME SOCKET PID LOG
  wait_until "$1 (/_ping on $2)" "$3" "$4" ping_ok "$2"
}

# Starts "$@" detached (own session, stdin closed), logging to LOG; records its pid.
# The subshell execs setsid, which execs in place (a background job is no process-group leader),
# so $! is the daemon.
launch() { # launch NAME LOG CMD...
  local name=$1 logf=$2; shift 2
  mkdir -p "$STATE_DIR" "$(dirname "$logf")"
  ( # The daemon must not keep our locks open.
    for fd in "${LOCK_FD[@]}"; do exec {fd}>&-; done
    exec setsid "$@" </dev/null >>"$logf" 2>&1 ) &
  echo $! >"$STATE_DIR/$name.pid"
}

# Stops the process in STATE_DIR/NAME.pid (TERM, then KILL after 40 s).
stop_pidfile() { # stop_pidfile NAME
  local pidf=$STATE_DIR/$1.pid pid i
  pid=$(read_pid "$pidf")
  if pid_alive "$pid"; then
    log "stopping $1 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 80; i++)); do pid_alive "$pid" || break; sleep 0.5; done
    if pid_alive "$pid"; then log "$1 still alive, sending KILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidf"
}

APT_UPDATED=0
# Installs the packages that are not installed yet (apt-get update at most once per run).
ensure_pkgs() { # ensure_pkgs PKG...
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update (log $APT_LOG)"
    apt_quiet update
    APT_UPDATED=1
  fi
  log "installing ${missing[*]} (log $APT_LOG)"
  apt_quiet install -y "${missing[@]}"
}

# Runs apt-get non-interactively (waiting for another apt's lock), output to APT_LOG.
apt_quiet() { # apt_quiet APT-GET-ARGS...
  mkdir -p "$STATE_DIR"
  # flock: two runs of this script (for different engines) update and install one at a time.
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1 flock -w 900 "$STATE_DIR/apt.lock" \
    apt-get -o DPkg::Lock::Timeout=600 -q "$@" </dev/null >>"$APT_LOG" 2>&1 ||
    { tail -n 20 "$APT_LOG" >&2; die "apt-get failed (log $APT_LOG)"; }
}

# The Debian mirror apt already uses (deb822 or one-line format).
debian_mirror() {
  local uri=""
  [ -f /etc/apt/sources.list.d/debian.sources ] &&
    uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  [ -z "$uri" ] && [ -f /etc/apt/sources.list ] &&
    uri=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  echo "${uri:-http://deb.debian.org/debian}"
}

# ---------------------------------------------------------------------------------- d20

start_d20() {
  # openssh-*: the ssh:// live tests start an sshd of their own on loopback.
  ensure_pkgs docker.io busybox-static curl iproute2 openssh-server openssh-client
  if ping_ok "$D20_SOCK"; then log "d20: already answering on $D20_SOCK"; return 0; fi
  local pid
  pid=$(read_pid /var/run/docker.pid)
  if pid_alive "$pid"; then
    log "d20: dockerd pid $pid exists but does not answer yet; waiting for it"
  else
    rm -f /var/run/docker.pid
    log "d20: starting dockerd (log $D20_LOG)"
    launch d20 "$D20_LOG" dockerd
    pid=$(read_pid "$STATE_DIR/d20.pid")
  fi
  wait_ping "d20 dockerd" "$D20_SOCK" "$pid" "$D20_LOG" || die "d20 did not come up"
}

# ---------------------------------------------------------------------------------- d28

# Unpacks docker.io + containerd of Debian SUITE into D28_DIR/SUITE/root,
# downloading only if neither the root nor the .debs are cached. Runs in a subshell whose
# status is tested, where `set -e` does not apply: every step that matters says `|| die`.
d28_unpack() { # d28_unpack SUITE
  local suite=$1 base=$D28_DIR/$1 aptd=/tmp/apt-$1 root
  root=$base/root
  [ -f "$root/.complete" ] && return 0

  local O=(-o "Dir::Etc::sourcelist=$aptd/sources.list" -o Dir::Etc::sourceparts=-
           -o "Dir::State::Lists=$aptd/lists" -o "Dir::Cache=$aptd/cache" -o APT::Sandbox::User=root)
  mkdir -p "$aptd/lists/partial" "$aptd/cache/archives/partial" "$aptd/debs"
  if [ ! -f "$aptd/debs/.complete" ]; then
    echo "deb $(debian_mirror) $suite main" >"$aptd/sources.list"
    log "d28: apt-get update for $suite (private lists in $aptd)"
    apt_quiet "${O[@]}" update
    # containerd's package name differs between distributions (containerd / containerd.io):
    # take whatever this suite's docker.io depends on.
    local ctrd
    ctrd=$(apt-cache "${O[@]}" depends "docker.io/$suite" 2>/dev/null |
           awk '$1 ~ /Depends:/ && $2 ~ /^containerd/ {print $2; exit}')
    ctrd=${ctrd:-containerd}
    log "d28: downloading docker.io and $ctrd from $suite"
    rm -f "$aptd/debs/"*.deb
    (cd "$aptd/debs" && apt_quiet "${O[@]}" download "docker.io/$suite" "$ctrd/$suite") || die "download failed"
    touch "$aptd/debs/.complete"
  fi

  log "d28: unpacking into $root"
  rm -rf "$root"; mkdir -p "$root" || die "d28: cannot create $root"
  local f
  for f in "$aptd/debs/"*.deb; do dpkg-deb -x "$f" "$root" || die "d28: cannot unpack $f"; done
  [ -x "$root/usr/sbin/dockerd" ] || die "d28: $suite's docker.io has no usr/sbin/dockerd"
  [ -x "$root/usr/bin/containerd" ] || die "d28: $suite's containerd has no usr/bin/containerd"
  # Debian 12's runc: the suite's runc may need a newer glibc than Debian 12 has.
  cp "$(command -v runc || echo /usr/sbin/runc)" "$root/usr/bin/runc" || die "d28: cannot copy runc"
  # docker-init (for HostConfig.Init) is a link to tini-static: take Debian 12's.
  cp /usr/bin/tini-static "$root/usr/bin/tini-static" || die "d28: cannot copy tini-static"
  touch "$root/.complete"
}

# Creates a bridge for a second dockerd. Never use --bridge none: that dockerd would then
# delete the default engine's docker0 ("could not find bridge docker0" on d20 afterwards).
ensure_bridge() { # ensure_bridge NAME CIDR
  ip link show "$1" >/dev/null 2>&1 || ip link add "$1" type bridge
  ip -4 addr show dev "$1" | grep -q "${2%/*}/" || ip addr add "$2" dev "$1"
  ip link set "$1" up
}

# If DIR/d.pid names a live dockerd (one starting, or not ours), waits for DIR/docker.sock to
# answer (0) or dies; returns 1 if there is no such dockerd.
wait_existing() { # wait_existing NAME DIR
  local pid
  pid=$(read_pid "$2/d.pid")
  pid_alive "$pid" || return 1
  log "$1: dockerd pid $pid exists but does not answer yet; waiting for it"
  wait_ping "$1 dockerd" "$2/docker.sock" "$pid" "$2/log" && return 0
  die "$1: dockerd pid $pid is not answering; stop it first"
}

# Starts ROOT's dockerd as NAME on unix://DIR/docker.sock (exec root DIR/exec, pidfile DIR/d.pid,
# log DIR/log) with DATA-ROOT and a bridge of its own, plus EXTRA dockerd arguments; waits for
# /_ping. Returns 1 (after stopping it) if it does not answer.
dockerd_launch() { # dockerd_launch NAME ROOT DIR DATA-ROOT BRIDGE CIDR EXTRA...
  local name=$1 root=$2 dir=$3 data=$4 br=$5 cidr=$6 pid; shift 6
  ensure_bridge "$br" "$cidr"
  mkdir -p "$dir"
  rm -f "$dir/d.pid"
  log "$name: starting $root/usr/sbin/dockerd (log $dir/log)"
  echo "=== $(date -Is) starting dockerd from $root" >>"$dir/log"
  # PATH: dockerd finds containerd, containerd-shim-runc-v2, runc, docker-proxy, docker-init there.
  launch "$name" "$dir/log" env PATH="$root/usr/bin:$root/usr/sbin:$PATH" "$root/usr/sbin/dockerd" \
    -H "unix://$dir/docker.sock" --data-root "$data" --exec-root "$dir/exec" \
    --pidfile "$dir/d.pid" --bridge "$br" --iptables=false --ip6tables=false "$@"
  pid=$(read_pid "$STATE_DIR/$name.pid")
  wait_ping "$name dockerd" "$dir/docker.sock" "$pid" "$dir/log" && return 0
  stop_pidfile "$name"
  return 1
}

# Runs SUITE's dockerd on D28_SOCK; returns 1 if it does not answer.
d28_run() { # d28_run SUITE
  local suite=$1
  (d28_unpack "$suite") || return 1   # subshell: a failed download also moves on to the next suite
  dockerd_launch d28 "$D28_DIR/$suite/root" "$D28_DIR" "$D28_DIR/$suite/data" "$D28_BRIDGE" "$D28_BRIDGE_CIDR"
}

start_d28() {
  if ping_ok "$D28_SOCK"; then log "d28: already answering on $D28_SOCK"; return 0; fi
  mkdir -p "$D28_DIR"
  ensure_pkgs runc tini curl iproute2
  local suite
  wait_existing d28 "$D28_DIR" && return 0
  for suite in $D28_SUITES; do
    if d28_run "$suite"; then
      log "d28: dockerd from Debian $suite is up"
      return 0
    fi
    log "d28: Debian $suite's dockerd could not be fetched or started; trying the next suite"
  done
  die "d28: no dockerd came up (tried: $D28_SUITES); see $D28_LOG"
}

# ---------------------------------------------------------------------------------- d26

# Debian 13's docker.io (26.1), unpacked like d28 (into /tmp/d28/trixie/root, shared with d28's
# fallback) and run beside it with its own socket, bridge and data root.
start_d26() {
  if ping_ok "$D26_SOCK"; then log "d26: already answering on $D26_SOCK"; return 0; fi
  ensure_pkgs runc tini curl iproute2
  wait_existing d26 "$D26_DIR" && return 0
  (d28_unpack "$D26_SUITE") || die "d26: cannot fetch Debian $D26_SUITE's docker.io"
  dockerd_launch d26 "$D28_DIR/$D26_SUITE/root" "$D26_DIR" "$D26_DIR/data" "$D26_BRIDGE" "$D26_BRIDGE_CIDR" ||
    die "d26 did not come up; see $D26_DIR/log"
}

stop_d26() {
  stop_pidfile d26
  ping_ok "$D26_SOCK" && return 0   # another d26, not started by us, keeps its bridge and mounts
  ip link del "$D26_BRIDGE" 2>/dev/null || true
  umount_under "$D26_DIR/"
}

# ---------------------------------------------------------------------------------- podman

# Makes the containers.conf at CONF say `default_ulimits = []`, keeping what else it says; returns 0
# if it changed the file, 1 if it was right already. Without it every container fails to start
# here ("error setting rlimit type 7": the default asks for more open files than the hard limit).
podman_conf() { # podman_conf CONF
  local f=$1
  mkdir -p "$(dirname "$f")"
  grep -qsE '^[[:space:]]*default_ulimits[[:space:]]*=[[:space:]]*\[[[:space:]]*\]' "$f" && return 1
  grep -qsE '^[[:space:]]*default_ulimits[[:space:]]*=' "$f" &&
    die "podman: $f sets default_ulimits; make it [] (containers fail here with \"error setting rlimit type 7\" otherwise)"
  if grep -qs '^\[containers\]' "$f"; then
    sed -i '/^\[containers\]/a default_ulimits = []' "$f"
  else
    printf '\n[containers]\ndefault_ulimits = []\n' >>"$f"
  fi
  log "podman: set default_ulimits = [] in $f"
  return 0
}

# Debian 12's podman 4.3 serving the Docker-compatible API.
start_podman() {
  ensure_pkgs podman curl
  local changed=0
  podman_conf /etc/containers/containers.conf && changed=1
  if ping_ok "$PODMAN_SOCK"; then
    if [ "$changed" = 0 ]; then log "podman: already answering on $PODMAN_SOCK"; return 0; fi
    # The service reads containers.conf when it starts: one that runs already must restart.
    pid_alive "$(read_pid "$STATE_DIR/podman.pid")" ||
      die "podman: a service this script did not start answers on $PODMAN_SOCK with the old containers.conf; stop it"
    log "podman: restarting the service for the new containers.conf"
  fi
  stop_pidfile podman   # ours: one that stopped answering, or one with the old containers.conf
  rm -f "$PODMAN_SOCK"
  log "podman: starting podman system service (log $PODMAN_LOG)"
  launch podman "$PODMAN_LOG" podman system service --time=0 "unix://$PODMAN_SOCK"
  wait_ping "podman service" "$PODMAN_SOCK" "$(read_pid "$STATE_DIR/podman.pid")" "$PODMAN_LOG" ||
    die "podman did not come up"
}

# ---------------------------------------------------------------------------------- podman5

# Debian 13's Podman 5.4 in a Debian 13 root made with debootstrap (its libraries do not fit
# Debian 12), serving the Docker-compatible API on a socket in a directory bind-mounted into the
# root. The root is made once (minutes) and kept in P5_ROOT; later starts only mount and launch.
# netavark needs nft (nftables) and aardvark-dns (a Recommends, which debootstrap leaves out:
# without it disconnecting a container from a network of its own fails, "netavark: remove aardvark
# entries: IO error"); runc because Debian 13's crun refuses this machine's hybrid cgroups ("cgroups
# in hybrid mode not supported").
P5_PACKAGES="podman ca-certificates nftables aardvark-dns runc"

# Writes the root's containers.conf and its default network (again at every start of the service, so
# that a root made with older settings gets the current ones).
p5_config() { # p5_config ROOT
  local R=$1
  # This machine's hard limit on open files is 20000: containers must ask for no more.
  # Builds ignore default_ulimits: they need ulimits in the build request (see docs/engines.md).
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000"]\n[engine]\nruntime = "runc"\n[network]\ndefault_subnet_pools = [{"base" = "%s", "size" = 24}]\n' \
    "$P5_POOL" >"$R/etc/containers/containers.conf"
  # The default network gets a bridge and subnet of its own: Podman 4.3 on the host uses
  # podman0 and 10.88.0.0/16 for its default network.
  mkdir -p "$R/etc/containers/networks"
  cat >"$R/etc/containers/networks/podman.json" <<EOF
{
  "name": "podman",
  "id": "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9",
  "driver": "bridge",
  "network_interface": "$P5_BRIDGE",
  "created": "2026-01-01T00:00:00Z",
  "subnets": [{"subnet": "$P5_SUBNET", "gateway": "$P5_GATEWAY"}],
  "ipv6_enabled": false,
  "internal": false,
  "dns_enabled": false,
  "ipam_options": {"driver": "host-local"}
}
EOF
}

p5_root() {
  local R=$P5_ROOT tmp=$P5_ROOT.partial p missing=()
  if [ -f "$R/.complete" ]; then
    # A root made before a package joined P5_PACKAGES gets it now.
    for p in $P5_PACKAGES; do
      chroot "$R" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "podman5: installing ${missing[*]} into $R (log $P5_BOOTSTRAP_LOG)"
    { chroot "$R" apt-get -q update && DEBIAN_FRONTEND=noninteractive chroot "$R" apt-get -q install -y \
        --no-install-recommends "${missing[@]}"; } </dev/null >>"$P5_BOOTSTRAP_LOG" 2>&1 ||
      { tail -n 20 "$P5_BOOTSTRAP_LOG" >&2; die "podman5: cannot install ${missing[*]} into $R"; }
    return 0
  fi
  ensure_pkgs debootstrap
  rm -rf "$tmp"
  log "podman5: debootstrap $P5_SUITE into $R (minutes; log $P5_BOOTSTRAP_LOG)"
  debootstrap --variant=minbase --include="${P5_PACKAGES// /,}" \
    "$P5_SUITE" "$tmp" "$(debian_mirror)" >>"$P5_BOOTSTRAP_LOG" 2>&1 ||
    { tail -n 20 "$P5_BOOTSTRAP_LOG" >&2; die "podman5: debootstrap failed (log $P5_BOOTSTRAP_LOG)"; }
  p5_config "$tmp"
  touch "$tmp/.complete"
  mv "$tmp" "$R"
}

# The service must run with P5_ROOT as the real root of a mount namespace of its own, not in a
# chroot. In a chroot the namespace's root stays the host's /: runc's pivot_root into a container's
# rootfs then leaves the container's mount namespace rooted at the host's /, and `runc exec`, which
# setns()es into that namespace, runs the exec'd process in the HOST's filesystem (seen: `touch /go`
# in an exec created /go on the host). So: unshare a private mount namespace, bind the root onto
# itself (pivot_root wants a mount point; unpacking image layers too, "remount /"), rbind /proc,
# /sys and /dev and the socket directory into it, pivot_root into it and detach the old root. Every
# mount is private to that namespace: nothing is left on the host, and it goes with the last
# process in it. P5_SETUP runs in the namespace as `sh -c P5_SETUP podman5 ROOT SOCKDIR SOCK`; it
# runs the host's sh and mount until pivot_root, the root's umount and podman after it.
P5_SETUP='set -eu
R=$1 SOCKDIR=$2 SOCK=$3
mount --bind "$R" "$R"
for m in proc sys dev; do mount --rbind "/$m" "$R/$m"; done
mkdir -p "$R$SOCKDIR" "$R/.oldroot"
mount --bind "$SOCKDIR" "$R$SOCKDIR"
cd "$R"
pivot_root . .oldroot
cd /
umount -l /.oldroot
exec podman system service --time=0 "unix://$SOCK"'

# Proves that an exec in a Podman 5 container runs in the container's root, not the host's or the
# service's: runs a container of busybox:local (no /etc/os-release, unlike the host and P5_ROOT),
# whose main process exits at once if it sees /etc/os-release or a marker file made on the host for
# the probe, and execs `ls /` and the same tests in it. Returns 1, saying what it saw, if any of
# them ran outside the container's root or the probe could not be made.
p5_probe() {
  local name=dockwire-p5probe-$$ marker=/dockwire-host-marker-$$ out rc=0 check
  # The docker CLI on the socket, bounded: a hung call must not keep the marker on the host.
  p5dk() { timeout 120 env DOCKER_CONFIG="$STATE_DIR/docker-config" docker -H "unix://$P5_SOCK" "$@"; }
  rm -f "$STATE_DIR/podman5.probed"
  ensure_busybox_image "$P5_SOCK"
  : >"$marker"
  check="test -e /bin/busybox || echo 'NO /bin/busybox'; test ! -e /etc/os-release || echo 'SAW /etc/os-release';"
  check+=" test ! -e $marker || echo 'SAW $marker'"
  p5dk rm -f "$name" >/dev/null 2>&1 || true
  if p5dk run -d --name "$name" busybox:local \
      sh -c "test -e /etc/os-release || test -e $marker || exec sleep 300" >/dev/null; then
    out=$(p5dk exec "$name" sh -c "ls /; $check" 2>&1) || rc=$?
  else
    rc=1; out="(cannot run a container of busybox:local)"
  fi
  p5dk kill "$name" >/dev/null 2>&1 || true   # rm -f alone waits 10 s: sleep ignores TERM
  p5dk rm -f "$name" >/dev/null 2>&1 || true
  rm -f "$marker"
  if [ "$rc" != 0 ] || grep -qE '^(SAW|NO) ' <<<"$out"; then
    log "podman5: probe FAILED (exec exit $rc): an exec did not run in the container's own root; it saw:"
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    return 1
  fi
  log "podman5: probe passed: an exec runs in the container's root (ls /: $(tr '\n' ' ' <<<"$out"))"
  p5_socket_id >"$STATE_DIR/podman5.probed"
}

# Identifies the service behind P5_SOCK: the socket file's inode and time (a restarted service,
# whoever started it, makes a new socket).
p5_socket_id() { stat -c '%i %Y' "$P5_SOCK" 2>/dev/null || echo none; }

# Whether the probe passed against the service that answers now: `env` lists podman5 only then.
p5_proven() {
  [ -s "$STATE_DIR/podman5.probed" ] && [ "$(cat "$STATE_DIR/podman5.probed")" = "$(p5_socket_id)" ]
}

start_podman5() {
  ensure_pkgs curl util-linux docker.io busybox-static
  p5_root
  if ping_ok "$P5_SOCK"; then
    log "podman5: already answering on $P5_SOCK; probing it"
    (p5_probe) && return 0   # a subshell: a probe that dies (cannot load its image) fails here
    pid_alive "$(read_pid "$STATE_DIR/podman5.pid")" ||
      die "podman5: a service this script did not start answers on $P5_SOCK, and no exec was proven to stay in its container; stop it"
    stop_podman5
    die "podman5: no exec was proven to run in its container: stopped it"
  fi
  stop_pidfile podman5   # a leftover service of ours that stopped answering
  p5_config "$P5_ROOT"
  rm -f "$P5_SOCK"
  mkdir -p "$P5_SOCKDIR"
  log "podman5: starting podman system service with $P5_ROOT as the root of its own mount namespace (log $P5_LOG)"
  launch podman5 "$P5_LOG" unshare --mount --propagation private \
    sh -c "$P5_SETUP" podman5 "$P5_ROOT" "$P5_SOCKDIR" "$P5_SOCK"
  wait_ping "podman5 service" "$P5_SOCK" "$(read_pid "$STATE_DIR/podman5.pid")" "$P5_LOG" ||
    die "podman5 did not come up"
  (p5_probe) || { stop_podman5; die "podman5: no exec was proven to run in its container: stopped it, not reported as up"; }
}

stop_podman5() {
  local ids
  rm -f "$STATE_DIR/podman5.probed"
  # Containers left running keep the namespace's mounts alive (through their conmon): kill them.
  if pid_alive "$(read_pid "$STATE_DIR/podman5.pid")" && ping_ok "$P5_SOCK"; then
    ids=$(dk "$P5_SOCK" ps -q 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || dk "$P5_SOCK" kill $ids >/dev/null 2>&1 || true
  fi
  stop_pidfile podman5
  rm -f "$P5_SOCK"
  ping_ok "$P5_SOCK" && return 0
  # The service's mounts are in its own namespace and go with it. A root mounted on the host by
  # the earlier chroot setup is unmounted (lazily if busy: an exec's conmon lingers 5 minutes).
  umount_under "$P5_ROOT/"
  if mountpoint -q "$P5_ROOT"; then umount "$P5_ROOT" 2>/dev/null || umount -l "$P5_ROOT" || true; fi
}

# ---------------------------------------------------------------------------------- tls

# A Docker 28.5 (d28's build) that listens on tcp://127.0.0.1:TLS_PORT with --tlsverify, beside its
# own Unix socket, with a CA, server and client certificates made here by openssl (kept: made once).

# Makes a key and a certificate for CN signed by the CA in CADIR (self-signed if CADIR is "self").
tls_cert() { # tls_cert KEY CERT CN CADIR EXTENSIONS
  local key=$1 cert=$2 cn=$3 ca=$4 ext=$5 csr
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null || die "tls: openssl genpkey failed"
  if [ "$ca" = self ]; then
    openssl req -x509 -new -key "$key" -subj "/CN=$cn" -days 3650 -out "$cert" \
      -addext "$ext" 2>/dev/null || die "tls: cannot make the CA $cn"
    return 0
  fi
  csr=$(mktemp)
  openssl req -new -key "$key" -subj "/CN=$cn" -out "$csr" 2>/dev/null || die "tls: cannot make a request for $cn"
  openssl x509 -req -in "$csr" -CA "$ca/ca.pem" -CAkey "$ca/ca-key.pem" -CAcreateserial -days 3650 \
    -extfile <(printf '%s\n' "$ext") -out "$cert" 2>/dev/null || die "tls: cannot sign $cn"
  rm -f "$csr"
}

# TLS_DIR/ca (the CA), server (dockerd's), client (DOCKER_CERT_PATH-style: ca.pem cert.pem
# key.pem), wrong (the same layout, everything from another CA: for negative tests).
tls_material() {
  local d=$TLS_DIR/certs
  [ -f "$d/.complete" ] && return 0
  log "tls: making a CA, server and client certificates in $d"
  rm -rf "$d"; mkdir -p "$d/ca" "$d/server" "$d/client" "$d/wrong-ca" "$d/wrong"
  tls_cert "$d/ca/ca-key.pem" "$d/ca/ca.pem" "dockwire test CA" self "basicConstraints=critical,CA:TRUE"
  tls_cert "$d/server/key.pem" "$d/server/cert.pem" localhost "$d/ca" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
  tls_cert "$d/client/key.pem" "$d/client/cert.pem" "dockwire test client" "$d/ca" "extendedKeyUsage=clientAuth"
  cp "$d/ca/ca.pem" "$d/client/ca.pem"
  cp "$d/ca/ca.pem" "$d/server/ca.pem"
  tls_cert "$d/wrong-ca/ca-key.pem" "$d/wrong-ca/ca.pem" "dockwire wrong CA" self "basicConstraints=critical,CA:TRUE"
  tls_cert "$d/wrong/key.pem" "$d/wrong/cert.pem" "dockwire test client" "$d/wrong-ca" "extendedKeyUsage=clientAuth"
  cp "$d/wrong-ca/ca.pem" "$d/wrong/ca.pem"
  chmod 0644 "$d"/*/*.pem
  touch "$d/.complete"
}

# The daemon answers on its Unix socket, and over TLS with the client certificate.
tls_up() {
  ping_ok "$TLS_SOCK" &&
    curl -sf --max-time 5 --cacert "$TLS_DIR/certs/client/ca.pem" --cert "$TLS_DIR/certs/client/cert.pem" \
      --key "$TLS_DIR/certs/client/key.pem" "https://127.0.0.1:$TLS_PORT/_ping" >/dev/null 2>&1
}

start_tls() {
  ensure_pkgs openssl curl
  if tls_up; then log "tls: already answering on tcp://127.0.0.1:$TLS_PORT"; return 0; fi
  lock d28; start_d28   # its build runs the TLS daemon too
  tls_material
  wait_existing tls "$TLS_DIR" && return 0
  local c=$TLS_DIR/certs/server
  dockerd_launch tls "$(d28_root)" "$TLS_DIR" "$TLS_DIR/data" "$TLS_BRIDGE" "$TLS_BRIDGE_CIDR" \
    -H "tcp://127.0.0.1:$TLS_PORT" --tlsverify --tlscacert "$c/ca.pem" --tlscert "$c/cert.pem" \
    --tlskey "$c/key.pem" || die "tls: dockerd did not come up; see $TLS_DIR/log"
  tls_up || die "tls: dockerd answers on $TLS_SOCK but not over TLS on 127.0.0.1:$TLS_PORT; see $TLS_DIR/log"
  ensure_busybox_image "$TLS_SOCK"
}

stop_tls() {
  stop_pidfile tls
  ping_ok "$TLS_SOCK" && return 0
  ip link del "$TLS_BRIDGE" 2>/dev/null || true
  umount_under "$TLS_DIR/"
}

env_tls() {
  tls_up || { log "tls: not answering on tcp://127.0.0.1:$TLS_PORT"; return 0; }
  echo "DOCKWIRE_TLS_HOST=tcp://127.0.0.1:$TLS_PORT"
  echo "DOCKWIRE_TLS_CERT_PATH=$TLS_DIR/certs/client"
  echo "DOCKWIRE_TLS_WRONG_CERT_PATH=$TLS_DIR/certs/wrong"
  echo "DOCKWIRE_TLS_SOCK=unix://$TLS_SOCK"
}

status_tls() {
  if tls_up; then
    report_version tls
    printf '%-9s %s\n' "" "tcp://127.0.0.1:$TLS_PORT --tlsverify, DOCKER_CERT_PATH=$TLS_DIR/certs/client"
  else
    printf '%-9s down\n' tls:
  fi
}

# ---------------------------------------------------------------------------------- ssh

# Debian 12's OpenSSH server on 127.0.0.1:SSH_PORT, with a config, host key, client keys and a
# known_hosts of its own (made once, in SSH_DIR). Root logs in by key only. The "remote" is this
# machine: its /usr/bin/docker (Debian 12's docker.io) serves `docker system dial-stdio`, with
# PATH and DOCKER_HOST set for the key in authorized_keys. A second key logs in with a PATH that has no
# docker, for "docker is missing on the remote" tests.
ssh_material() {
  local d=$SSH_DIR
  [ -f "$d/.complete" ] && return 0
  log "ssh: making a host key, client keys and known_hosts in $d"
  rm -rf "$d"; mkdir -p "$d"; chmod 0700 "$d"
  ssh-keygen -q -t ed25519 -N '' -C "dockwire test sshd" -f "$d/host_ed25519_key" || die "ssh: ssh-keygen failed"
  ssh-keygen -q -t ed25519 -N '' -C "dockwire test client" -f "$d/id_ed25519" || die "ssh: ssh-keygen failed"
  ssh-keygen -q -t ed25519 -N '' -C "dockwire test client, no docker" -f "$d/id_nodocker" || die "ssh: ssh-keygen failed"
  {
    # PATH: Debian's docker CLI (/usr/bin/docker, from docker.io), whatever else is installed.
    # SHLVL=1: bash reads ~/.bashrc for an ssh command only as a top-level shell; skipping it keeps
    # the machine's shell setup out (root's pyenv init took 10 s per connection here).
    printf 'environment="SHLVL=1",environment="PATH=/usr/bin:/bin",environment="DOCKER_HOST=%s" %s\n' \
      "$SSH_REMOTE_DOCKER_HOST" "$(cat "$d/id_ed25519.pub")"
    printf 'environment="SHLVL=1",environment="PATH=/nonexistent" %s\n' "$(cat "$d/id_nodocker.pub")"
  } >"$d/authorized_keys"
  printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$d/host_ed25519_key.pub")" >"$d/known_hosts"
  cat >"$d/sshd_config" <<EOF
# dockwire's test sshd (scripts/engines.sh start ssh): loopback only, root by key only.
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $d/host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
AllowUsers root
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitUserEnvironment DOCKER_HOST,PATH,SHLVL
X11Forwarding no
LogLevel VERBOSE
EOF
  cat >"$d/ssh_config" <<EOF
# For ssh -F: the test sshd with the test key, nothing from ~/.ssh.
Host 127.0.0.1
  Port $SSH_PORT
  User root
  IdentityFile $d/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $d/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
EOF
  touch "$d/.complete"
}

# ssh as root to the test sshd with KEY, running CMD...; nothing from ~/.ssh.
ssh_run() { # ssh_run KEY CMD...
  local key=$1; shift
  ssh -F /dev/null -p "$SSH_PORT" -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o UserKnownHostsFile="$SSH_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=yes -o ConnectTimeout=5 root@127.0.0.1 "$@"
}

# sshd answers, and `docker system dial-stdio` over it reaches a daemon (GET /_ping is OK).
ssh_up() {
  [ -f "$SSH_DIR/.complete" ] &&
    printf 'GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n' |
      ssh_run "$SSH_DIR/id_ed25519" docker system dial-stdio 2>/dev/null | grep -q '^OK'
}

start_ssh() {
  ensure_pkgs openssh-server openssh-client docker.io
  if ssh_up; then log "ssh: already answering on 127.0.0.1:$SSH_PORT"; return 0; fi
  lock d20; start_d20   # what `docker system dial-stdio` on the "remote" reaches
  ssh_material
  stop_pidfile ssh   # a leftover sshd of ours that stopped answering
  mkdir -p /run/sshd   # sshd's privilege separation directory
  log "ssh: starting sshd on 127.0.0.1:$SSH_PORT (log $SSH_DIR/log)"
  launch ssh "$SSH_DIR/log" /usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config"
  wait_until "sshd (docker system dial-stdio over ssh to 127.0.0.1:$SSH_PORT)" \
    "$(read_pid "$STATE_DIR/ssh.pid")" "$SSH_DIR/log" ssh_up || die "ssh: sshd did not come up"
}

stop_ssh() { stop_pidfile ssh; }

env_ssh() {
  ssh_up || { log "ssh: not answering on 127.0.0.1:$SSH_PORT"; return 0; }
  echo "DOCKWIRE_SSH_HOST=ssh://root@127.0.0.1:$SSH_PORT"
  echo "DOCKWIRE_SSH_KEY=$SSH_DIR/id_ed25519"
  echo "DOCKWIRE_SSH_KNOWN_HOSTS=$SSH_DIR/known_hosts"
  echo "DOCKWIRE_SSH_CONFIG=$SSH_DIR/ssh_config"
  echo "DOCKWIRE_SSH_KEY_NODOCKER=$SSH_DIR/id_nodocker"
  echo "DOCKWIRE_SSH_REMOTE_DOCKER_HOST=$SSH_REMOTE_DOCKER_HOST"
}

status_ssh() {
  if ssh_up; then
    printf '%-9s %s\n' ssh: "$(sshd -V 2>&1 | head -n1 | cut -d, -f1) ssh://root@127.0.0.1:$SSH_PORT (key $SSH_DIR/id_ed25519) -> $SSH_REMOTE_DOCKER_HOST"
  else
    printf '%-9s down\n' ssh:
  fi
}

# ---------------------------------------------------------------------------------- registry

# Debian 12's docker-registry (distribution 2.8) with htpasswd auth on 127.0.0.1 only. Both
# Docker engines treat a registry on 127.0.0.1 as insecure (plain HTTP) without a daemon flag.
reg_status() { # prints the HTTP status of GET /v2/ without credentials (000: nothing answers)
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$REG_ADDR/v2/" 2>/dev/null || true
}
reg_up() { # the registry answers, and answers our test user
  [ "$(reg_status)" = 401 ] &&
    curl -sf -o /dev/null --max-time 3 -u "$REG_USER:$REG_PASS" "http://$REG_ADDR/v2/" 2>/dev/null
}

start_registry() {
  ensure_pkgs docker-registry apache2-utils curl
  if reg_up; then log "registry: already answering on http://$REG_ADDR"; return 0; fi
  stop_pidfile registry   # a leftover registry of ours that stopped answering
  local code
  code=$(reg_status)
  [ "$code" = 000 ] || die "registry: something else answers on $REG_ADDR (GET /v2/: $code); stop it first"
  mkdir -p "$REG_DIR/data"
  htpasswd -vb "$REG_DIR/htpasswd" "$REG_USER" "$REG_PASS" >/dev/null 2>&1 ||
    htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$REG_DIR/htpasswd"
  cat >"$REG_DIR/config.yml" <<EOF
version: 0.1
log: {level: info}
storage: {filesystem: {rootdirectory: $REG_DIR/data}, delete: {enabled: true}}
http: {addr: $REG_ADDR}
auth: {htpasswd: {realm: dockwire-registry, path: $REG_DIR/htpasswd}}
EOF
  log "registry: starting docker-registry on http://$REG_ADDR (log $REG_LOG)"
  launch registry "$REG_LOG" docker-registry serve "$REG_DIR/config.yml"
  wait_until "docker-registry (GET http://$REG_ADDR/v2/)" "$(read_pid "$STATE_DIR/registry.pid")" \
    "$REG_LOG" reg_up || die "registry did not come up"
}

stop_registry() { stop_pidfile registry; }

env_registry() {
  reg_up || { log "registry: not answering on http://$REG_ADDR"; return 0; }
  echo "DOCKWIRE_REGISTRY=$REG_ADDR"
  echo "DOCKWIRE_REGISTRY_USER=$REG_USER"
  echo "DOCKWIRE_REGISTRY_PASSWORD=$REG_PASS"
}

status_registry() {
  if reg_up; then
    printf '%-9s distribution %-17s      http://%s (user %s, password %s)\n' registry: \
      "$(docker-registry --version 2>/dev/null | awk '{print $3}')" "$REG_ADDR" "$REG_USER" "$REG_PASS"
  else
    printf '%-9s down\n' registry:
  fi
}

# ---------------------------------------------------------------------------------- swarm

# A two-node swarm: d28 as manager, a second dockerd of the same build as worker in a network
# namespace of its own (so that the two do not share ports 2377, 7946 and 4789), joined over a
# veth pair with addresses on a private /24. Only those two addresses and loopback are contacted.

dk() { # dk SOCKET DOCKER-ARGS...: the docker CLI (Debian 12's) against SOCKET, with a config of its own
  local sock=$1; shift
  DOCKER_CONFIG=$STATE_DIR/docker-config docker -H "unix://$sock" "$@"
}

# Loads busybox:local (Debian 12's static busybox with every applet linked in /bin, CMD sh)
# into the engine on SOCKET, unless it has it already.
ensure_busybox_image() { # ensure_busybox_image SOCKET
  local sock=$1 tmp a
  dk "$sock" image inspect busybox:local >/dev/null 2>&1 && return 0
  tmp=$(mktemp -d)
  mkdir -p "$tmp/bin" "$tmp/tmp" "$tmp/etc"
  cp /bin/busybox "$tmp/bin/busybox"
  for a in $(/bin/busybox --list); do [ -e "$tmp/bin/$a" ] || ln -s busybox "$tmp/bin/$a"; done
  log "loading busybox:local into unix://$sock"
  tar -C "$tmp" -c . | dk "$sock" import --change 'CMD ["sh"]' - busybox:local >/dev/null ||
    { rm -rf "$tmp"; die "cannot import busybox:local into unix://$sock"; }
  rm -rf "$tmp"
}

# The root of the running d28 dockerd (sid or trixie), so that the worker runs the same build.
d28_root() {
  local pid exe
  pid=$(read_pid "$D28_DIR/d.pid")
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || die "d28 is not running (no pid in $D28_DIR/d.pid)"
  echo "${exe%/usr/sbin/dockerd}"
}

swarm_netns() {
  local other
  other=$(ip -4 -o addr show | awk -v p="${SWARM_MANAGER_IP%.*}." -v l="$SWARM_VETH_HOST" \
            'index($4, p) == 1 && $2 != l {print $2}')
  # A second address of the same /24 on another link makes joins time out.
  [ -z "$other" ] || die "swarm: ${SWARM_MANAGER_IP%.*}.0/24 is already on link(s) $other; remove it first"
  [ -e "/var/run/netns/$SWARM_NS" ] || ip netns add "$SWARM_NS"
  ip link show "$SWARM_VETH_HOST" >/dev/null 2>&1 ||
    ip link add "$SWARM_VETH_HOST" type veth peer name "$SWARM_VETH_NS" netns "$SWARM_NS"
  ip -4 addr show dev "$SWARM_VETH_HOST" | grep -q "$SWARM_MANAGER_IP/" ||
    ip addr add "$SWARM_MANAGER_IP/24" dev "$SWARM_VETH_HOST"
  ip link set "$SWARM_VETH_HOST" up
  ip -n "$SWARM_NS" -4 addr show dev "$SWARM_VETH_NS" | grep -q "$SWARM_WORKER_IP/" ||
    ip -n "$SWARM_NS" addr add "$SWARM_WORKER_IP/24" dev "$SWARM_VETH_NS"
  ip -n "$SWARM_NS" link set "$SWARM_VETH_NS" up
  ip -n "$SWARM_NS" link set lo up
}

# Starts the worker's dockerd in the namespace. nsenter, not `ip netns exec`: the latter remounts
# /sys and dockerd then fails ("Devices cgroup isn't mounted"). unshare --uts gives it a hostname
# of its own, so that `node ls` tells the two nodes apart.
swarm_worker_start() {
  if ping_ok "$SWARM_SOCK"; then return 0; fi
  local root pid
  root=$(d28_root)
  stop_pidfile swarmw   # a leftover worker of ours that stopped answering
  mkdir -p "$SWARM_DIR"
  rm -f "$SWARM_DIR/d.pid"
  log "swarm: starting the worker's dockerd in netns $SWARM_NS (log $SWARM_LOG)"
  echo "=== $(date -Is) starting dockerd from $root" >>"$SWARM_LOG"
  launch swarmw "$SWARM_LOG" nsenter --net="/var/run/netns/$SWARM_NS" unshare --uts \
    sh -c 'hostname "$0" && exec "$@"' "$SWARM_HOSTNAME" \
    env PATH="$root/usr/bin:$root/usr/sbin:$PATH" "$root/usr/sbin/dockerd" \
    -H "unix://$SWARM_SOCK" --data-root "$SWARM_DIR/data" --exec-root "$SWARM_DIR/exec" \
    --pidfile "$SWARM_DIR/d.pid" --iptables=false --ip6tables=false
  pid=$(read_pid "$STATE_DIR/swarmw.pid")
  wait_ping "swarm worker dockerd" "$SWARM_SOCK" "$pid" "$SWARM_LOG" || die "the swarm worker did not come up"
}

swarm_state() { dk "$1" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.NodeAddr}}' 2>/dev/null || true; }

# Number of Ready nodes the manager sees.
swarm_ready_nodes() {
  dk "$D28_SOCK" node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$' || true
}

swarm_up() {
  ping_ok "$D28_SOCK" && ping_ok "$SWARM_SOCK" &&
    [ "$(swarm_state "$D28_SOCK")" = "active $SWARM_MANAGER_IP" ] &&
    [ "$(swarm_state "$SWARM_SOCK")" = "active $SWARM_WORKER_IP" ] &&
    [ "$(swarm_ready_nodes)" -ge 2 ]
}

start_swarm() {
  ensure_pkgs docker.io busybox-static iproute2 util-linux
  lock d28; start_d28
  if swarm_up; then log "swarm: already up (manager unix://$D28_SOCK, worker unix://$SWARM_SOCK)"; return 0; fi
  swarm_netns
  swarm_worker_start
  local st
  st=$(swarm_state "$D28_SOCK")
  case $st in
    "active $SWARM_MANAGER_IP") ;;
    inactive*)
      log "swarm: swarm init on d28, advertising $SWARM_MANAGER_IP"
      dk "$D28_SOCK" swarm init --advertise-addr "$SWARM_MANAGER_IP" --listen-addr "$SWARM_MANAGER_IP:2377" \
        --data-path-addr "$SWARM_MANAGER_IP" >/dev/null || die "swarm: swarm init on d28 failed"
      touch "$STATE_DIR/swarm.init" ;;
    *) die "swarm: d28 is already in a swarm this script did not make ($st); leave it first (docker -H unix://$D28_SOCK swarm leave --force)" ;;
  esac
  st=$(swarm_state "$SWARM_SOCK")
  if [ "$st" != "active $SWARM_WORKER_IP" ]; then
    [ "${st%% *}" = inactive ] || dk "$SWARM_SOCK" swarm leave --force >/dev/null 2>&1 || true
    # An earlier worker that left is a Down node of the same name: remove it first.
    dk "$D28_SOCK" node ls --format '{{.ID}} {{.Hostname}} {{.Status}}' |
      awk -v h="$SWARM_HOSTNAME" '$2 == h && $3 != "Ready" {print $1}' |
      while read -r id; do dk "$D28_SOCK" node rm --force "$id" >/dev/null || true; done
    log "swarm: joining the worker ($SWARM_WORKER_IP) to $SWARM_MANAGER_IP:2377"
    dk "$SWARM_SOCK" swarm join --advertise-addr "$SWARM_WORKER_IP" --listen-addr "$SWARM_WORKER_IP:2377" \
      --data-path-addr "$SWARM_WORKER_IP" --token "$(dk "$D28_SOCK" swarm join-token -q worker)" \
      "$SWARM_MANAGER_IP:2377" >/dev/null || die "swarm: the worker could not join (log $SWARM_LOG)"
  fi
  wait_until "swarm (2 Ready nodes on the manager)" "$(read_pid "$STATE_DIR/swarmw.pid")" "$SWARM_LOG" \
    swarm_up || die "swarm: the manager does not see 2 Ready nodes"
  ensure_busybox_image "$D28_SOCK"
  ensure_busybox_image "$SWARM_SOCK"
}

stop_swarm() {
  if ping_ok "$SWARM_SOCK"; then dk "$SWARM_SOCK" swarm leave --force >/dev/null 2>&1 || true; fi
  if [ -e "$STATE_DIR/swarm.init" ] && ping_ok "$D28_SOCK"; then
    log "swarm: d28 leaves the swarm it made"
    dk "$D28_SOCK" swarm leave --force >/dev/null 2>&1 || true
  fi
  rm -f "$STATE_DIR/swarm.init"
  stop_pidfile swarmw
  umount_under "$SWARM_DIR/"
  ip link del "$SWARM_VETH_HOST" 2>/dev/null || true
  [ -e "/var/run/netns/$SWARM_NS" ] && ip netns del "$SWARM_NS" || true
}

env_swarm() {
  swarm_up || { log "swarm: not up"; return 0; }
  echo "DOCKWIRE_SWARM_MANAGER=unix://$D28_SOCK"
  echo "DOCKWIRE_SWARM_WORKER=unix://$SWARM_SOCK"
  echo "DOCKWIRE_SWARM_MANAGER_ADDR=$SWARM_MANAGER_IP"
  echo "DOCKWIRE_SWARM_WORKER_ADDR=$SWARM_WORKER_IP"
}

status_swarm() {
  if swarm_up; then
    printf '%-9s manager unix://%s (%s), worker unix://%s (%s, netns %s), %s nodes Ready\n' swarm: \
      "$D28_SOCK" "$SWARM_MANAGER_IP" "$SWARM_SOCK" "$SWARM_WORKER_IP" "$SWARM_NS" "$(swarm_ready_nodes)"
  else
    printf '%-9s down\n' swarm:
  fi
}

# ---------------------------------------------------------------------------------- commands

# dockerd bind-mounts its data root onto itself and leaves that behind: unmount, so that
# `rm -rf` of its directory works.
umount_under() { # umount_under DIR/
  awk -v d="$1" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" || true; done
}

stop_d20() { stop_pidfile d20; }
stop_d28() {
  stop_pidfile d28
  ping_ok "$D28_SOCK" && return 0   # another d28, not started by us, keeps its bridge and mounts
  ip link del "$D28_BRIDGE" 2>/dev/null || true
  umount_under "$D28_DIR/"
}
stop_podman() { stop_pidfile podman; rm -f "$PODMAN_SOCK"; }

# Sets ENGINES to the engine arguments, "all" or none (= DEFAULT) expanded.
ENGINES=()
select_engines() { # select_engines DEFAULT ARGS...
  local def=$1 e; shift
  [ $# -eq 0 ] && set -- $def
  ENGINES=()
  for e in "$@"; do
    if [ "$e" = all ]; then ENGINES+=($ALL_ENGINES)
    elif is_one_of "$e" $ALL_ENGINES; then ENGINES+=("$e")
    else die "unknown engine '$e' (want one of: $ALL_ENGINES, or all)"
    fi
  done
}

is_one_of() { # is_one_of WORD LIST...
  local w=$1 x; shift
  for x in "$@"; do [ "$x" = "$w" ] && return 0; done
  return 1
}

# Serialises starting and stopping NAME between concurrent runs of this script: one lock per
# name, so that a long start (podman5's first takes minutes) holds up no other. Held until exit.
declare -A LOCK_FD=()
lock() { # lock NAME
  [ -n "${LOCK_FD[$1]:-}" ] && return 0
  local fd
  mkdir -p "$STATE_DIR"
  exec {fd}>"$STATE_DIR/$1.lock"
  LOCK_FD[$1]=$fd
  flock -w 900 "$fd" || die "another scripts/engines.sh is starting or stopping $1 (lock $STATE_DIR/$1.lock)"
}

cmd_start() {
  [ "$(id -u)" = 0 ] || die "start needs root"
  local e t0 up=()
  select_engines "d20 d28" "$@"
  for e in "${ENGINES[@]}"; do
    t0=$SECONDS
    lock "$e"
    if is_one_of "$e" $BEST_EFFORT && [ ${#ENGINES[@]} -gt 1 ]; then
      # Best effort beside the Docker engines: a failure is reported, not fatal.
      ("start_$e") || { log "$e: did not come up (best effort); continuing without it"; continue; }
    else
      "start_$e"
    fi
    log "$e: ready after $((SECONDS - t0))s"
    up+=("$e")
  done
  for e in "${up[@]}"; do "status_$e"; done
}

cmd_stop() {
  local e i
  select_engines "$ALL_ENGINES" "$@"
  # Reverse order: services that sit on an engine (swarm on d28) go first.
  for ((i = ${#ENGINES[@]} - 1; i >= 0; i--)); do lock "${ENGINES[i]}"; "stop_${ENGINES[i]}"; done
}

# Prints DOCKWIRE_HOSTS (the answering Docker API engines among those selected), then each
# selected service's own variables. Fails only if engines were selected and none answers.
cmd_env() {
  local e hosts=() want_hosts=0
  select_engines "$ALL_ENGINES" "$@"
  for e in "${ENGINES[@]}"; do
    is_one_of "$e" $ENGINES_API || continue
    want_hosts=1
    ping_ok "$(sock_of "$e")" || continue
    if [ "$e" = podman5 ] && ! p5_proven; then
      log "podman5 answers, but no exec probe proved that its execs stay in their containers: left out; run scripts/engines.sh start podman5"
      continue
    fi
    hosts+=("unix://$(sock_of "$e")")
  done
  for e in "${ENGINES[@]}"; do is_one_of "$e" $ENGINES_API || "env_$e"; done
  [ "$want_hosts" = 1 ] || return 0
  [ ${#hosts[@]} -gt 0 ] || { log "no engine is answering"; echo "DOCKWIRE_HOSTS="; return 1; }
  (IFS=,; echo "DOCKWIRE_HOSTS=${hosts[*]}")
}

cmd_status() {
  local e
  for e in $ALL_ENGINES; do "status_$e"; done
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    env) cmd_env "$@" ;;
    status) cmd_status ;;
    busybox) [ $# -eq 1 ] || die "usage: engines.sh busybox NAME"; ensure_busybox_image "$(sock_of "$1")" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"
