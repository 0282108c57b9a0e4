#!/usr/bin/env bash
# HTTP/2 over TLS: Tandem vs HAProxy vs nginx, each terminating h2 (ALPN) with the same ECDSA P-256
# certificate in front of the same two plain HTTP/1.1 nginx backends; h2load in interleaved rounds,
# loopback only. Needs: apt-get install -y nginx haproxy nghttp2-client; a JDK 17+ and the built jar.
#
# Layout: h2load on CPU 0; the backends and the proxy under test on CPU 1 (the proxy's core is the
# bottleneck, so the numbers measure cost per request). One nginx worker, one HAProxy thread, Tandem as
# the `tandem` launcher starts it.
#
# Knobs (environment): SIZES [5 1k]  CONNS [64]  STREAMS (per connection) [10]  DURATION [10]
# WARMUP [3]  PREWARM (s per proxy, before any round) [15]  ROUNDS [3]  OUT [bench/results/h2-<time>]
# PROXIES [haproxy nginx tandem]  JAVA (java binary for Tandem) [java on PATH]
# TANDEM_JAR [lb-server/target/tandem.jar]  TANDEM_OPTS [the `tandem` launcher's default JVM flags]
# TANDEM_B_JAR [TANDEM_JAR], TANDEM_B_OPTS [TANDEM_OPTS]: a second Tandem (an A/B in one run), measured as
# `tandem-b` (add it to PROXIES) on ports 19212/19213.
# p99 comes from h2load's per-request log; CPU is the proxy's (its processes' user + system time over the h2load run,
# warm-up included), as % of one core and as µs per request at the measured rate: on a shared machine
# the CPU a request costs moves less than req/s. Summary lines: proxy size req/s p99-ms 2xx CPU% µs/req.
# Everything it starts it stops by PID, also on Ctrl-C.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
SIZES=${SIZES:-"5 1k"}
CONNS=${CONNS:-64}
STREAMS=${STREAMS:-10}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
PREWARM=${PREWARM:-15}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-$here/results/h2-$(date +%Y%m%d-%H%M%S)}
JAVA=${JAVA:-java}
TANDEM_JAR=${TANDEM_JAR:-$root/lb-server/target/tandem.jar}
TANDEM_OPTS=${TANDEM_OPTS:-$(sh -c "$(grep -E '^(common|default)_opts=' "$root/tandem")"'; echo "$default_opts"')}
B1=19210 B2=19211 TANDEM_B=19212 ADMIN_B=19213 NGINX=19214 HAPROXY=19215 TANDEM=19216 ADMIN=19217
mkdir -p "$OUT"/run/tmp "$OUT"/www
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
printf 'hello' > "$OUT/www/5"
head -c 1024 /dev/zero | tr '\0' 'x' > "$OUT/www/1k"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OUT/key.pem" -out "$OUT/cert.pem" \
  -days 2 -subj /CN=bench.test -addext "subjectAltName=DNS:bench.test,IP:127.0.0.1" 2>/dev/null
cat "$OUT/cert.pem" "$OUT/key.pem" > "$OUT/both.pem"
cat > "$OUT/backend.conf" <<CONF
worker_processes 1; worker_rlimit_nofile 20000; pid run/backend.pid; error_log run/backend-error.log warn;
events { worker_connections 20000; }
http { access_log off; default_type application/octet-stream; sendfile on; tcp_nodelay on;
  keepalive_timeout 75s; keepalive_requests 1000000; client_body_temp_path run/tmp/body; proxy_temp_path run/tmp/p;
  fastcgi_temp_path run/tmp/f; uwsgi_temp_path run/tmp/u; scgi_temp_path run/tmp/s;
  server { listen 127.0.0.1:$B1 backlog=4096; root www; }
  server { listen 127.0.0.1:$B2 backlog=4096; root www; } }
CONF
cat > "$OUT/proxy.conf" <<CONF
worker_processes 1; worker_rlimit_nofile 20000; pid run/proxy.pid; error_log run/proxy-error.log warn;
events { worker_connections 20000; }
http { access_log off; keepalive_timeout 75s; keepalive_requests 1000000; client_body_temp_path run/tmp/body;
  proxy_temp_path run/tmp/p; fastcgi_temp_path run/tmp/f; uwsgi_temp_path run/tmp/u; scgi_temp_path run/tmp/s;
  upstream backends { server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 64; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$NGINX ssl http2 backlog=4096; ssl_certificate $OUT/cert.pem;
    ssl_certificate_key $OUT/key.pem; ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
cat > "$OUT/haproxy.cfg" <<CONF
global
    nbthread 1
    maxconn 8000
defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend fe
    bind 127.0.0.1:$HAPROXY ssl crt $OUT/both.pem alpn h2,http/1.1
    default_backend be
backend be
    balance roundrobin
    server b1 127.0.0.1:$B1
    server b2 127.0.0.1:$B2
CONF
cat > "$OUT/tandem.yaml" <<CONF
listeners:
  - { name: h2, bind: 127.0.0.1:$TANDEM, pool: web, tls: { certificates: [ { cert: $OUT/cert.pem, key: $OUT/key.pem } ] } }
admin: { bind: 127.0.0.1:$ADMIN }
pools:
  web:
    backends: [ { address: 127.0.0.1:$B1 }, { address: 127.0.0.1:$B2 } ]
CONF
taskset -c 1 nginx -p "$OUT/" -c "$OUT/backend.conf" -e "$OUT/run/backend-error.log" -g 'daemon off;' & pids+=($!)
taskset -c 1 nginx -p "$OUT/" -c "$OUT/proxy.conf" -e "$OUT/run/proxy-error.log" -g 'daemon off;' & pids+=($!)
declare -A pid=([nginx]=$!)
taskset -c 1 haproxy -f "$OUT/haproxy.cfg" -db > "$OUT/haproxy.log" 2>&1 & pids+=($!)
pid[haproxy]=$!
# shellcheck disable=SC2086
taskset -c 1 "$JAVA" $TANDEM_OPTS -jar "$TANDEM_JAR" run -c "$OUT/tandem.yaml" > "$OUT/tandem.log" 2>&1 & pids+=($!)
pid[tandem]=$!
if [[ " ${PROXIES:-} " == *" tandem-b "* ]]; then
  TANDEM_B_JAR=${TANDEM_B_JAR:-$TANDEM_JAR}
  sed -e "s/:$TANDEM,/:$TANDEM_B,/" -e "s/:$ADMIN }/:$ADMIN_B }/" "$OUT/tandem.yaml" > "$OUT/tandem-b.yaml"
  # shellcheck disable=SC2086
  taskset -c 1 "$JAVA" ${TANDEM_B_OPTS:-$TANDEM_OPTS} -jar "$TANDEM_B_JAR" run -c "$OUT/tandem-b.yaml" \
    > "$OUT/tandem-b.log" 2>&1 & pids+=($!)
  pid[tandem-b]=$!
  for i in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$ADMIN_B/healthz" && break; sleep 0.2; done
fi
for i in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$ADMIN/healthz" && break; sleep 0.2; done
declare -A port=([nginx]=$NGINX [haproxy]=$HAPROXY [tandem]=$TANDEM [tandem-b]=$TANDEM_B)
# CPU time (clock ticks) of a process and its children (nginx's workers), user + system.
ticks() { local t=0 p; for p in "$1" $(pgrep -P "$1" || true); do
  t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
hz=$(getconf CLK_TCK)
run() { # proxy size seconds -> prints "req/s p99ms 2xx cpu%-of-one-core cpu-us-per-request"
  local log="$OUT/reqs-$1-$2.log" out="$OUT/h2load-$1-$2.txt"
  rm -f "$log"
  local c0 t0 c1 t1
  c0=$(ticks "${pid[$1]}"); t0=$(date +%s.%N)
  taskset -c 0 h2load -c "$CONNS" -m "$STREAMS" -D "$3" --warm-up-time="${WARMUP}s" --log-file="$log" \
    "https://127.0.0.1:${port[$1]}/$2" > "$out" 2>&1 || true
  c1=$(ticks "${pid[$1]}"); t1=$(date +%s.%N)
  local rps ok
  rps=$(sed -n 's/.*finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$out")
  ok=$(sed -n 's/^status codes: \([0-9]*\) 2xx.*/\1/p' "$out")
  local p99
  p99=$(awk '{print $3}' "$log" | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; printf "%.2f", a[i]/1000}')
  # The proxy's CPU over the whole h2load run (warm-up included) per request at the measured rate.
  local cpu
  cpu=$(awk -v c="$((c1 - c0))" -v hz="$hz" -v a="$t0" -v b="$t1" -v r="${rps:-0}" \
    'BEGIN { s = c / hz; e = b - a; printf "%.0f %.1f", 100 * s / e, (r > 0 ? 1e6 * s / (r * e) : 0) }')
  echo "$rps $p99 $ok $cpu"
}
read -r -a proxies <<< "${PROXIES:-haproxy nginx tandem}"
echo "# h2load -c $CONNS -m $STREAMS -D $DURATION --warm-up-time=${WARMUP}s, TLS ECDSA P-256, layout shared" | tee "$OUT/summary.txt"
echo "# $(nginx -v 2>&1); $(haproxy -v | head -1); $(h2load --version | head -1); java: $("$JAVA" -version 2>&1 | head -1)" | tee -a "$OUT/summary.txt"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/summary.txt"
# The prewarm runs (Tandem's JIT compiles its hot paths during them) are recorded too, marked as such.
for p in "${proxies[@]}"; do for s in $SIZES; do echo "prewarm $p $s $(run "$p" "$s" "$PREWARM")" | tee -a "$OUT/summary.txt"; done; done
for r in $(seq 1 "$ROUNDS"); do
  n=${#proxies[@]}
  for i in $(seq 0 $((n - 1))); do
    p=${proxies[$(( (i + r) % n ))]}
    for s in $SIZES; do echo "round $r $p $s $(run "$p" "$s" "$DURATION")" | tee -a "$OUT/summary.txt"; done
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/summary.txt"
