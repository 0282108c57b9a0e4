-- Prints one machine-readable line after a wrk run:
-- RESULT <requests/s> <p50 us> <p99 us> <requests> <socket errors> <non-2xx>
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %d %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
