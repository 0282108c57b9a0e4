#!/usr/bin/env bash
# Tandem vs HAProxy vs nginx: the same two nginx backends, CPUs pinned, wrk in
# interleaved rounds, loopback only. Installs nothing; needs (Debian/Ubuntu):
#     apt-get install -y nginx haproxy wrk
# plus a JDK 17+ and the built jar (./mvnw -B -DskipTests package).
#
# Usage: bench/run.sh            (knobs below, as environment variables)
#   JAVA      java binary for Tandem                       [java on PATH]
#   LAYOUT    shared: wrk on CPU 0; backends and the proxy under test on CPU 1
#                     (the proxy's core is the bottleneck: cost per request)
#             split:  wrk and backends on CPU 0; the proxy alone on CPU 1  [shared]
#   SIZES     response bodies: 5 (5 B), 1k, 63k (64,000 B), 1m (1 MiB)      [5 1k 63k 1m]
#   CONNS     wrk connection counts                        [64 1000]
#   DURATION  seconds measured per run; WARMUP seconds discarded before it [5] [3]
#   PREWARM   seconds of load per proxy and body size before any measurement, so
#             that the JVM has compiled every path the runs take; 0: none, a cold
#             start (then the first round's WARMUP is all the warming)       [20]
#   ROUNDS    rounds; each round runs every proxy once, in a rotated order [3]
#   PROXIES   which to run; tandem-epoll is Tandem forced onto epoll (its default
#             is io_uring where the kernel allows it); tandem-policy is Tandem with
#             20 routes and 5 request header rewrites (conf/tandem-policy.yaml);
#             haproxy-tcp and tandem-tcp forward TCP (HAProxy mode tcp, Tandem
#             mode: tcp) in front of the same backends, compared with each other
#             (plain HTTP only)                          [haproxy nginx tandem]
#   TLS       none: plain HTTP; ecdsa or rsa: every proxy terminates TLS with a
#             certificate made for the run (ECDSA P-256 or RSA 2048, openssl CLI),
#             backends stay plain HTTP                                      [none]
#   CLOSE     1: every request on a new connection (Connection: close), so with
#             TLS every request is a full handshake                         [0]
#   TANDEM_OPTS  JVM options for Tandem                  [the `tandem` launcher's defaults]
#   JFR       1: record a JFR profile of Tandem for the whole run          [0]
#   PAIRED    1: in each round all PROXIES run at once, each driven by its own wrk
#             with CONNS connections: they share their core, the backends and the
#             same moment's noise, so the ratio of their req/s is the inverse ratio
#             of their CPU cost per request, undisturbed by the machine's drift
#             from one run to the next (an A/B such as "tandem tandem-policy") [0]
#   COLD      1: measure each proxy as an outsider meets a node started a moment ago: in
#             each round every proxy (in a rotated order) is started afresh, alone (no
#             other proxy runs, so no JIT or start-up of one disturbs another's windows),
#             measured at once over CONNS x SIZES in order (WARMUP then DURATION each;
#             SIZES="5 5 5" gives three consecutive windows of one body) and stopped
#             again; PREWARM and PAIRED do not apply                        [0]
#   OUT       where results go                             [bench/results/<time>]
# Everything it starts it stops again by PID, also on Ctrl-C. The run is
# bounded: about ROUNDS x |SIZES| x |CONNS| x |PROXIES| x (WARMUP+DURATION+1) s,
# plus |PROXIES| x |SIZES| x PREWARM s first.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
JAVA=${JAVA:-java}
LAYOUT=${LAYOUT:-shared}
SIZES=${SIZES:-"5 1k 63k 1m"}
CONNS=${CONNS:-"64 1000"}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-3}
PREWARM=${PREWARM:-20}
ROUNDS=${ROUNDS:-3}
PROXIES=${PROXIES:-"haproxy nginx tandem"}
TANDEM_JAR=${TANDEM_JAR:-$root/lb-server/target/tandem.jar}
# The launcher's own JVM defaults, so the benchmark measures Tandem as shipped.
TANDEM_OPTS=${TANDEM_OPTS:-$(sh -c "$(grep -E '^(common|default)_opts=' "$root/tandem")"'; echo "$default_opts"')}
JFR=${JFR:-0}
PAIRED=${PAIRED:-0}
TLS=${TLS:-none}
CLOSE=${CLOSE:-0}
COLD=${COLD:-0}
[ "$COLD" = 1 ] && PREWARM=0 PAIRED=0
OUT=${OUT:-$here/results/$(date +%Y%m%d-%H%M%S)}

# Ports away from the usual ones, so a developer's own services are not hit.
BACKEND1=19101 BACKEND2=19102 NGINX=19181 HAPROXY=19182 TANDEM=19183 ADMIN=19184
TANDEM_EPOLL=19185 ADMIN_EPOLL=19186 TANDEM_POLICY=19187 ADMIN_POLICY=19188
HAPROXY_TCP=19190 TANDEM_TCP=19191 ADMIN_TCP=19192

case $LAYOUT in
  shared) LOAD_CPU=0 BACKEND_CPU=1 PROXY_CPU=1 ;;
  split)  LOAD_CPU=0 BACKEND_CPU=0 PROXY_CPU=1 ;;
  *) echo "LAYOUT must be shared or split" >&2; exit 2 ;;
esac
case $TLS in
  none) SCHEME=http ;;
  ecdsa|rsa) SCHEME=https ;;
  *) echo "TLS must be none, ecdsa or rsa" >&2; exit 2 ;;
esac
for tool in nginx haproxy wrk taskset openssl "$JAVA"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y nginx haproxy wrk; a JDK 17+)" >&2; exit 2; }
done
[ -f "$TANDEM_JAR" ] || { echo "missing $TANDEM_JAR: run ./mvnw -B -DskipTests package" >&2; exit 2; }
[ "$(nproc --all)" -ge 2 ] || { echo "needs 2 CPUs" >&2; exit 2; }
case " $PROXIES " in
  *-tcp\ *) [ "$TLS" = none ] || { echo "haproxy-tcp and tandem-tcp pass bytes through: TLS=none only" >&2; exit 2; } ;;
esac

work=$(mktemp -d /tmp/tandem-bench.XXXXXX)
mkdir -p "$work/www" "$work/run/tmp" "$OUT"
chmod 755 "$work" "$work/www"
head -c 1024 /dev/urandom >"$work/www/1k.bin"
head -c 64000 /dev/urandom >"$work/www/63k.bin"
head -c 1048576 /dev/urandom >"$work/www/1m.bin"
chmod 644 "$work"/www/*
# TLS: one certificate for every proxy, signed by a CA made for the run; HAProxy
# reads certificate and key from one file. Plain HTTP: the placeholders vanish.
haproxy_tls="" nginx_tls="" nginx_tls_files="" tandem_tls=""
if [ "$TLS" != none ]; then
  if [ "$TLS" = ecdsa ]; then newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); else newkey=(-newkey rsa:2048); fi
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
    -days 2 -subj "/CN=bench CA" 2>/dev/null
  openssl req -new "${newkey[@]}" -nodes -keyout "$work/site.key" -out "$work/site.csr" -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/site.ext"
  openssl x509 -req -in "$work/site.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -set_serial 1 -days 2 \
    -extfile "$work/site.ext" -out "$work/site.pem" 2>/dev/null
  cat "$work/site.pem" "$work/site.key" >"$work/site.haproxy.pem"
  haproxy_tls=" ssl crt $work/site.haproxy.pem alpn http/1.1"
  nginx_tls=" ssl"
  nginx_tls_files="ssl_certificate $work/site.pem; ssl_certificate_key $work/site.key; ssl_protocols TLSv1.2 TLSv1.3;"
  tandem_tls=", tls: { certificates: [ { cert: $work/site.pem, key: $work/site.key } ] }"
fi
for f in backends.nginx.conf proxy.nginx.conf haproxy.cfg tandem.yaml tandem-policy.yaml haproxy-tcp.cfg \
    tandem-tcp.yaml; do
  sed -e "s|@HAPROXY_TLS@|$haproxy_tls|g" -e "s|@NGINX_TLS@|$nginx_tls|g" \
      -e "s|@NGINX_TLS_FILES@|$nginx_tls_files|g" -e "s|@TANDEM_TLS@|$tandem_tls|g" \
      -e "s|@DIR@|$work|g" -e "s|@BACKEND1@|$BACKEND1|g" -e "s|@BACKEND2@|$BACKEND2|g" \
      -e "s|@NGINX@|$NGINX|g" -e "s|@HAPROXY@|$HAPROXY|g" -e "s|@TANDEM@|$TANDEM|g" -e "s|@ADMIN@|$ADMIN|g" \
      -e "s|@HAPROXY_TCP@|$HAPROXY_TCP|g" -e "s|@TANDEM_TCP@|$TANDEM_TCP|g" -e "s|@ADMIN_TCP@|$ADMIN_TCP|g" \
      "$here/conf/$f" >"$work/$f"
done
sed -e "s|:$TANDEM\b|:$TANDEM_EPOLL|" -e "s|:$ADMIN\b|:$ADMIN_EPOLL|" "$work/tandem.yaml" >"$work/tandem-epoll.yaml"
sed -i -e "s|:$TANDEM\b|:$TANDEM_POLICY|" -e "s|:$ADMIN\b|:$ADMIN_POLICY|" "$work/tandem-policy.yaml"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

ulimit -n "$(ulimit -Hn)"

# Waits until 127.0.0.1:$1 accepts connections (at most 30 s).
await_port() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1" >&2; exit 1
}

taskset -c "$BACKEND_CPU" nginx -p "$work" -c "$work/backends.nginx.conf" -e "$work/run/backends.error.log" &
pids+=($!)
declare -A pid_of port_of admin_of
port_of=([haproxy]=$HAPROXY [nginx]=$NGINX [tandem]=$TANDEM [tandem-epoll]=$TANDEM_EPOLL
         [tandem-policy]=$TANDEM_POLICY [haproxy-tcp]=$HAPROXY_TCP [tandem-tcp]=$TANDEM_TCP)
admin_of=([tandem]=$ADMIN [tandem-epoll]=$ADMIN_EPOLL [tandem-policy]=$ADMIN_POLICY [tandem-tcp]=$ADMIN_TCP)
# Starts proxy $1 on its core and waits for its listener; its PID goes to pid_of and pids.
start_proxy() {
  local p=$1 extra=""
  case $p in
    haproxy) taskset -c "$PROXY_CPU" haproxy -f "$work/haproxy.cfg" -db >>"$work/run/haproxy.log" 2>&1 & ;;
    haproxy-tcp) taskset -c "$PROXY_CPU" haproxy -f "$work/haproxy-tcp.cfg" -db >>"$work/run/haproxy-tcp.log" 2>&1 & ;;
    nginx)   taskset -c "$PROXY_CPU" nginx -p "$work" -c "$work/proxy.nginx.conf" -e "$work/run/nginx-proxy.error.log" & ;;
    tandem|tandem-epoll|tandem-policy|tandem-tcp)
      [ "$p" = tandem-epoll ] && extra="-Dtandem.transport=epoll"
      [ "$JFR" = 1 ] && extra="$extra -XX:StartFlightRecording=filename=$OUT/$p.jfr,settings=profile"
      # shellcheck disable=SC2086
      taskset -c "$PROXY_CPU" "$JAVA" $TANDEM_OPTS $extra -jar "$TANDEM_JAR" run -c "$work/$p.yaml" \
        >>"$work/run/$p.log" 2>&1 & ;;
    *) echo "unknown proxy $p" >&2; exit 2 ;;
  esac
  pid_of[$p]=$!
  pids+=($!)
  await_port "${port_of[$p]}"
}

# Stops proxy $1 (COLD=1, between rounds) and waits until it has exited and freed its port.
stop_proxy() {
  local pid=${pid_of[$1]} q rest=()
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # Out of the cleanup list: the PID may belong to another process later.
  for q in "${pids[@]}"; do [ "$q" = "$pid" ] || rest+=("$q"); done
  pids=("${rest[@]}")
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/${port_of[$1]}") 2>/dev/null || return 0
    sleep 0.1
  done
  echo "$1 still listens on ${port_of[$1]}" >&2; exit 1
}

await_port $BACKEND1; await_port $BACKEND2
[ "$COLD" = 1 ] || for p in $PROXIES; do start_proxy "$p"; done

path_of() { case $1 in 5) echo /;; *) echo "/$1.bin";; esac; }

# Resident memory of a proxy: the process and its children (nginx's worker), in MiB.
rss_mib() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo $((total / 1024))
}

# A share of one CPU over DURATION, in percent with one decimal (whole percents hid differences of a
# few percent between two proxies at 30 % each): cpu_pct TICKS.
cpu_pct() {
  local tenths=$(( $1 * 1000 / ($(getconf CLK_TCK) * DURATION) ))
  echo "$((tenths / 10)).$((tenths % 10))"
}

# CPU time (user + system, in clock ticks) of a proxy: the process and its children.
cpu_ticks() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# Tandem's used heap in MiB, from its own /metrics on admin port $1.
heap_mib() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
  awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += $NF} END {printf "%d\n", s / 1048576}' <&3
  exec 3<&-
}

# What a client negotiates with each proxy: the same protocol and cipher everywhere, or the run says not.
negotiated() {
  openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null \
    | awk '/^New, / {sub(",", "", $2); p=$2; c=$5} /^Server public key is/ {k=$5" bit key"} END {print p, c, k}'
}
close_header=()
[ "$CLOSE" = 1 ] && close_header=(-H "Connection: close")

java_version=$("$JAVA" -version 2>&1 | head -1)
{
  echo "# $(date -u +%FT%TZ) layout=$LAYOUT duration=${DURATION}s warmup=${WARMUP}s rounds=$ROUNDS"
  echo "# tandem jvm options: $TANDEM_OPTS"
  echo "# java: $java_version; $(nginx -v 2>&1); $(haproxy -v | head -1); $(wrk -v 2>&1 | head -1)"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# tls=$TLS close=$CLOSE paired=$PAIRED"
  echo "# cold=$COLD"
  if [ "$TLS" != none ] && [ "$COLD" != 1 ]; then
    for p in $PROXIES; do echo "# $p negotiates: $(negotiated "${port_of[$p]}")"; done
  fi
  echo -e "conns\tsize\tproxy\tround\trps\tp50_us\tp99_us\terrors\tnon2xx\trss_mib\theap_mib\tcpu_pct"
} >"$OUT/results.tsv"

# Every proxy sees every body size once before measuring: the C proxies do not
# care, the JVM compiles the paths each size takes (it would otherwise do so
# during the first measured runs).
# PAIRED=1: one round with every proxy loaded at the same time, one wrk each.
paired_round() {
  local conns=$1 size=$2 path=$3 round=$4 p
  local -A ticks_of wrk_pid
  for p in $PROXIES; do
    timeout $((WARMUP + 20)) taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${WARMUP}s" --timeout 10s \
      "${close_header[@]}" "$SCHEME://127.0.0.1:${port_of[$p]}$path" >/dev/null &
    wrk_pid[$p]=$!
  done
  for p in $PROXIES; do wait "${wrk_pid[$p]}" || true; done
  for p in $PROXIES; do ticks_of[$p]=$(cpu_ticks "${pid_of[$p]}"); done
  for p in $PROXIES; do
    timeout $((DURATION + 20)) taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s \
      "${close_header[@]}" -s "$here/conf/result.lua" "$SCHEME://127.0.0.1:${port_of[$p]}$path" \
      >"$work/run/paired-$p.out" &
    wrk_pid[$p]=$!
  done
  for p in $PROXIES; do wait "${wrk_pid[$p]}" || true; done
  for p in $PROXIES; do
    local cpu=$(cpu_pct $(( $(cpu_ticks "${pid_of[$p]}") - ticks_of[$p] )))
    local line heap=-
    line=$(awk '/^RESULT/ {print $2"\t"$3"\t"$4"\t"$6"\t"$7}' "$work/run/paired-$p.out")
    [ -n "${admin_of[$p]:-}" ] && heap=$(heap_mib "${admin_of[$p]}")
    echo -e "$conns\t$size\t$p\t$round\t$line\t$(rss_mib "${pid_of[$p]}")\t$heap\t$cpu" | tee -a "$OUT/results.tsv"
  done
}

[ "$PREWARM" -gt 0 ] && for p in $PROXIES; do
  for size in $SIZES; do
    timeout $((PREWARM + 20)) taskset -c "$LOAD_CPU" wrk -t1 -c64 -d"${PREWARM}s" --timeout 10s \
      "${close_header[@]}" "$SCHEME://127.0.0.1:${port_of[$p]}$(path_of "$size")" >/dev/null
  done
done

# One measured cell: proxy $1, $2 connections, body $3, round $4 (WARMUP discarded, then DURATION).
measure() {
  local p=$1 conns=$2 size=$3 round=$4 url ticks line heap cpu
  url="$SCHEME://127.0.0.1:${port_of[$p]}$(path_of "$size")"
  if [ "$WARMUP" -gt 0 ]; then
    timeout $((WARMUP + 20)) taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${WARMUP}s" --timeout 10s \
      "${close_header[@]}" "$url" >/dev/null
  fi
  ticks=$(cpu_ticks "${pid_of[$p]}")
  line=$(timeout $((DURATION + 20)) taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s \
    "${close_header[@]}" -s "$here/conf/result.lua" "$url" | awk '/^RESULT/ {print $2"\t"$3"\t"$4"\t"$6"\t"$7}')
  heap=-
  [ -n "${admin_of[$p]:-}" ] && heap=$(heap_mib "${admin_of[$p]}")
  # Share of one CPU the proxy used while measured: below 100, something else (wrk) set the pace.
  cpu=$(cpu_pct $(( $(cpu_ticks "${pid_of[$p]}") - ticks )))
  echo -e "$conns\t$size\t$p\t$round\t$line\t$(rss_mib "${pid_of[$p]}")\t$heap\t$cpu" | tee -a "$OUT/results.tsv"
}

if [ "$COLD" = 1 ]; then
  for round in $(seq "$ROUNDS"); do
    read -ra plist <<<"$PROXIES"
    k=$(( (round - 1) % ${#plist[@]} ))
    for p in "${plist[@]:k}" "${plist[@]:0:k}"; do
      start_proxy "$p"
      if [ "$TLS" != none ] && [ "$round" = 1 ]; then
        echo "# $p negotiates: $(negotiated "${port_of[$p]}")" >>"$OUT/negotiated.txt"
      fi
      for conns in $CONNS; do
        for size in $SIZES; do measure "$p" "$conns" "$size" "$round"; done
      done
      stop_proxy "$p"
    done
  done
else
  for conns in $CONNS; do
    for size in $SIZES; do
      for round in $(seq "$ROUNDS"); do
        if [ "$PAIRED" = 1 ]; then
          paired_round "$conns" "$size" "$(path_of "$size")" "$round"
          continue
        fi
        # Rotate the order each round so that no proxy always runs first or last.
        read -ra plist <<<"$PROXIES"
        k=$(( (round - 1) % ${#plist[@]} ))
        for p in "${plist[@]:k}" "${plist[@]:0:k}"; do measure "$p" "$conns" "$size" "$round"; done
      done
    done
  done
fi

"$here/summarize.sh" "$OUT/results.tsv" | tee "$OUT/summary.md"
