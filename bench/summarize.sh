#!/usr/bin/env bash
# Turns bench/run.sh's results.tsv into a Markdown table: per connection count,
# body size and proxy, the median over rounds of req/s, p50 and p99, with req/s
# and p99 as ratios to HAProxy's medians of the same run (a TCP proxy, *-tcp,
# to haproxy-tcp's), the largest RSS (and Tandem heap) seen, the median share
# of one CPU the proxy used, and the body bytes per second (req/s x body size,
# the throughput of a TCP proxy with large bodies).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 results.tsv" >&2; exit 2; }
grep '^#' "$1" | sed 's/^# */> /'
echo
echo "| conns | body | proxy | req/s | p50 ms | p99 ms | req/s vs HAProxy | p99 vs HAProxy | errors | RSS MiB | heap MiB | CPU % | body MiB/s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
grep -v '^#' "$1" | tail -n +2 | awk -F'\t' '
function median(list,   n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
  k = $1 SUBSEP $2 SUBSEP $3
  if (!(k in rps)) { order[++n] = k }
  rps[k] = rps[k] " " $5; p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7
  err[k] += $8 + $9
  if ($10 + 0 > rss[k] + 0) rss[k] = $10
  if ($11 != "-" && $11 + 0 > heap[k] + 0) heap[k] = $11
  cpu[k] = cpu[k] " " ($12 == "" ? "-" : $12)
}
END {
  for (i = 1; i <= n; i++) {
    k = order[i]; split(k, f, SUBSEP)
    h = f[1] SUBSEP f[2] SUBSEP (f[3] ~ /-tcp$/ ? "haproxy-tcp" : "haproxy")
    r = median(rps[k]); q = median(p99[k])
    hr = (h in rps) ? median(rps[h]) : 0; hq = (h in p99) ? median(p99[h]) : 0
    c = cpu[k] ~ /-/ ? "-" : sprintf("%.0f", median(cpu[k]))
    bytes = f[2] == "5" ? 5 : f[2] == "1k" ? 1024 : f[2] == "63k" ? 64000 : f[2] == "1m" ? 1048576 : 0
    printf "| %s | %s | %s | %.0f | %.2f | %.2f | %s | %s | %d | %s | %s | %s | %.1f |\n", f[1], f[2], f[3], r,
      median(p50[k]) / 1000, q / 1000, hr ? sprintf("%.2f", r / hr) : "-", hq ? sprintf("%.2f", q / hq) : "-",
      err[k], rss[k], (k in heap) ? heap[k] : "-", c, r * bytes / 1048576
  }
}'
