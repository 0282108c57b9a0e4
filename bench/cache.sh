#!/usr/bin/env bash
# Cache hits: Tandem's cache vs Varnish vs nginx proxy_cache, in front of one
# nginx origin whose answers are cacheable for an hour; wrk asks the same URL
# again and again, so after the first request every answer is a hit. CPUs
# pinned (wrk on CPU 0; the origin and the cache under test on CPU 1), rounds
# interleaved, loopback only, ports 19200-19209. Installs nothing; needs:
#     apt-get install -y nginx varnish wrk
# plus a JDK 17+ and the built jar (./mvnw -B -DskipTests package).
#
# Usage: bench/cache.sh   (knobs as environment variables)
#   SIZES     bodies: 5 (5 B), 1k, 63k (64,000 B: a body just over 64 KiB shows
#             a 25-40 ms p99 even direct on loopback, see /work/shared/bench) [5 1k 63k]
#   CONNS     wrk connection counts                                   [64 1000]
#   DURATION  seconds measured per run; WARMUP seconds before it      [5] [2]
#   PREWARM   seconds of load per cache and size before any measurement [10]
#   ROUNDS    rounds, each running every cache once, rotated           [3]
#   CACHES    which to run                            [tandem varnish nginx]
#   OUT       where results go                    [bench/results/cache-<time>]
# Varnish runs as `varnishd -F` started here (not the Debian service), one
# storage of 256 MiB malloc; nginx one worker. Everything started is stopped
# by PID, also on Ctrl-C.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
JAVA=${JAVA:-java}
SIZES=${SIZES:-"5 1k 63k"}
CONNS=${CONNS:-"64 1000"}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
PREWARM=${PREWARM:-10}
ROUNDS=${ROUNDS:-3}
CACHES=${CACHES:-"tandem varnish nginx"}
TANDEM_JAR=${TANDEM_JAR:-$root/lb-server/target/tandem.jar}
TANDEM_OPTS=${TANDEM_OPTS:-$(sh -c "$(grep -E '^(common|default)_opts=' "$root/tandem")"'; echo "$default_opts"')}
OUT=${OUT:-$here/results/cache-$(date +%Y%m%d-%H%M%S)}
ORIGIN=19200 TANDEM=19201 ADMIN=19202 VARNISH=19203 VARNISH_ADMIN=19204 NGINX_CACHE=19205
LOAD_CPU=0 SERVER_CPU=1

for tool in nginx varnishd wrk taskset "$JAVA"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y nginx varnish wrk)" >&2; exit 2; }
done
[ -f "$TANDEM_JAR" ] || { echo "missing $TANDEM_JAR: run ./mvnw -B -DskipTests package" >&2; exit 2; }

work=$(mktemp -d /tmp/tandem-cache-bench.XXXXXX)
mkdir -p "$work/www" "$work/run/tmp" "$work/varnish" "$OUT"
chmod 755 "$work" "$work/www" "$work/varnish"
head -c 1024 /dev/urandom >"$work/www/1k.bin"
head -c 64000 /dev/urandom >"$work/www/63k.bin"
chmod 644 "$work"/www/*
for f in cache-origin.nginx.conf cache-proxy.nginx.conf cache.vcl tandem-cache.yaml; do
  sed -e "s|@DIR@|$work|g" -e "s|@ORIGIN@|$ORIGIN|g" -e "s|@TANDEM@|$TANDEM|g" -e "s|@ADMIN@|$ADMIN|g" \
      -e "s|@NGINX_CACHE@|$NGINX_CACHE|g" "$here/conf/$f" >"$work/$f"
done

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
ulimit -n "$(ulimit -Hn)"

await_port() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1" >&2; exit 1
}

taskset -c "$SERVER_CPU" nginx -p "$work" -c "$work/cache-origin.nginx.conf" -e "$work/run/origin.error.log" &
pids+=($!)
await_port "$ORIGIN"

port_of() {
  case $1 in tandem) echo "$TANDEM" ;; varnish) echo "$VARNISH" ;; nginx) echo "$NGINX_CACHE" ;; esac
}
start() {
  case $1 in
    tandem) taskset -c "$SERVER_CPU" "$JAVA" $TANDEM_OPTS -jar "$TANDEM_JAR" run -c "$work/tandem-cache.yaml" \
              >"$work/run/tandem.log" 2>&1 & ;;
    varnish) taskset -c "$SERVER_CPU" varnishd -F -n "$work/varnish" -a "127.0.0.1:$VARNISH" \
              -T "127.0.0.1:$VARNISH_ADMIN" -f "$work/cache.vcl" -s malloc,256m >"$work/run/varnish.log" 2>&1 & ;;
    nginx) taskset -c "$SERVER_CPU" nginx -p "$work" -c "$work/cache-proxy.nginx.conf" \
              -e "$work/run/nginx-cache.error.log" & ;;
  esac
  pids+=($!)
}
path_of() { case $1 in 5) echo / ;; *) echo "/$1.bin" ;; esac; }

for c in $CACHES; do start "$c"; done
for c in $CACHES; do await_port "$(port_of "$c")"; done
# Each cache answers each body once from the origin; the rest must be hits.
for c in $CACHES; do
  for s in $SIZES; do
    curl -s -o /dev/null "http://127.0.0.1:$(port_of "$c")$(path_of "$s")"
    hit=$(curl -s -o /dev/null -D - "http://127.0.0.1:$(port_of "$c")$(path_of "$s")" | tr -d '\r' \
          | sed -n 's/^[Xx]-[Cc]ache: //p')
    [ "$hit" = HIT ] || { echo "$c does not answer $(path_of "$s") from its cache (X-Cache: $hit)" >&2; exit 1; }
  done
done

{
  echo "# cache-hit benchmark $(date -u +%FT%TZ); $(nproc) CPUs; wrk on CPU $LOAD_CPU, origin and cache on CPU $SERVER_CPU"
  echo "# java: $("$JAVA" -version 2>&1 | head -1); $(varnishd -V 2>&1 | head -1); $(nginx -v 2>&1); $(wrk -v 2>&1 | head -1)"
  echo -e "round\tcache\tsize\tconns\treq_s\tp50_us\tp99_us\terrors\tnon2xx"
} >"$OUT/results.tsv"

if [ "$PREWARM" -gt 0 ]; then
  for c in $CACHES; do
    for s in $SIZES; do
      timeout $((PREWARM + 20)) taskset -c "$LOAD_CPU" wrk -t1 -c64 -d"${PREWARM}s" \
        "http://127.0.0.1:$(port_of "$c")$(path_of "$s")" >/dev/null
    done
  done
fi

all=($CACHES)
n=${#all[@]}
for round in $(seq "$ROUNDS"); do
  order=()
  for i in $(seq 0 $((n - 1))); do
    order+=("${all[$(( (i + round - 1) % n ))]}")
  done
  for c in "${order[@]}"; do
    for s in $SIZES; do
      for conns in $CONNS; do
        url="http://127.0.0.1:$(port_of "$c")$(path_of "$s")"
        timeout $((WARMUP + 20)) taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${WARMUP}s" --timeout 10s "$url" >/dev/null
        line=$(timeout $((DURATION + 20)) taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s \
               -s "$here/conf/result.lua" "$url" | sed -n 's/^RESULT //p')
        read -r rps p50 p99 _ errors non2xx <<<"$line"
        echo -e "$round\t$c\t$s\t$conns\t$rps\t$p50\t$p99\t$errors\t$non2xx" >>"$OUT/results.tsv"
        echo "round $round $c $s c$conns: $rps req/s, p99 $p99 us" >&2
      done
    done
  done
done

python3 - "$OUT/results.tsv" <<'PY' | tee "$OUT/summary.md"
import sys, statistics, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#") and not l.startswith("round")]
by = collections.defaultdict(list)
for r in rows:
    by[(r[2], r[3], r[1])].append((float(r[4]), int(r[6]), int(r[7]) + int(r[8])))
caches = list(dict.fromkeys(r[1] for r in rows))
print("| body | conns | " + " | ".join(f"{c} req/s (min/median/max)" for c in caches)
      + " | " + " | ".join(f"{c} p99 ms (median)" for c in caches) + " | tandem/varnish req/s | errors |")
print("|---|---|" + "---|" * (2 * len(caches) + 2))
for size, conns in dict.fromkeys((r[2], r[3]) for r in rows):
    cells, p99s, med = [], [], {}
    errors = 0
    for c in caches:
        v = by[(size, conns, c)]
        rps = sorted(x[0] for x in v)
        med[c] = statistics.median(rps)
        cells.append(f"{rps[0]/1000:.1f}k / {med[c]/1000:.1f}k / {rps[-1]/1000:.1f}k")
        p99s.append(f"{statistics.median(x[1] for x in v)/1000:.2f}")
        errors += sum(x[2] for x in v)
    ratio = f"{med['tandem']/med['varnish']:.2f}" if "tandem" in med and "varnish" in med else "-"
    print(f"| {size} | {conns} | " + " | ".join(cells) + " | " + " | ".join(p99s) + f" | {ratio} | {errors} |")
PY
