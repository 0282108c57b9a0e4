#!/usr/bin/env bash
# Measures what Tandem's per-request metrics cost: wrk against Tandem in front
# of one nginx, all on loopback, with request metrics on and off
# (-Dtandem.metrics.requests=false), alternating ROUNDS times (and which side
# goes first) so that noise from other work on the machine hits both sides
# alike. Prints, for every run and as medians, requests/s and the CPU time
# the Tandem process spent per request (user+system from /proc, measured
# over the wrk run only): on a shared machine throughput swings with the
# neighbours' load, CPU per request much less. Every run is bounded by wrk's -d.
#
# usage: bench/metrics-overhead.sh [ROUNDS] [SECONDS] [CONNECTIONS]
# needs: java 17+, wrk, nginx (apt-get install -y wrk nginx), lb-server/target/tandem.jar
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
seconds=${2:-15}
connections=${3:-32}
jar=lb-server/target/tandem.jar
work=$(mktemp -d /tmp/tandem-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

backend=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$backend;
    location / { return 200 "hello from nginx\n"; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_tandem() { # $1 = true|false (request metrics); prints "REQ/S CPU-MICROSECONDS/REQUEST"
  local listen admin pid out t0 t1 requests rps
  listen=$(free_port); admin=$(free_port)
  cat > "$work/tandem.yaml" <<CONF
listeners: [ { name: web, bind: 127.0.0.1:$listen, pool: web } ]
admin: { bind: 127.0.0.1:$admin }
pools: { web: { backends: [ { address: 127.0.0.1:$backend } ] } }
CONF
  java -Xmx256m -Dtandem.threads=1 -Dtandem.metrics.requests="$1" -jar "$jar" run -c "$work/tandem.yaml" \
    > "$work/tandem-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$admin/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  # Warm-up (JIT), then the measured run.
  wrk -t1 -c"$connections" -d5s "http://127.0.0.1:$listen/" >/dev/null
  t0=$(cpu_ticks "$pid")
  out=$(wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$listen/")
  t1=$(cpu_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  echo "$rps $(awk -v t="$((t1 - t0))" -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')"
}

on_rps=(); off_rps=(); on_cpu=(); off_cpu=()
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="true false"; else order="false true"; fi
  for side in $order; do
    read -r rps cpu < <(run_tandem "$side")
    if [ "$side" = true ]; then on_rps+=("$rps"); on_cpu+=("$cpu"); else off_rps+=("$rps"); off_cpu+=("$cpu"); fi
  done
  echo "round $r: metrics on ${on_rps[-1]} req/s ${on_cpu[-1]} cpu-us/req, off ${off_rps[-1]} req/s ${off_cpu[-1]} cpu-us/req"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
a=$(median "${on_rps[@]}"); b=$(median "${off_rps[@]}")
c=$(median "${on_cpu[@]}"); d=$(median "${off_cpu[@]}")
echo "median req/s: on $a, off $b ($(awk -v a="$a" -v b="$b" 'BEGIN {printf "%+.1f", (a-b)/b*100}') % with metrics)"
echo "median cpu-us/req: on $c, off $d ($(awk -v c="$c" -v d="$d" 'BEGIN {printf "%+.1f", (c-d)/d*100}') % with metrics)"
