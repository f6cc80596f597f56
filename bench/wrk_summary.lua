-- Prints wrk's totals as one machine-readable line for run.sh (GET only: wrk 4.1 cannot do HEAD,
-- its parser waits for the body that the response's Content-Length announces).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p99_us=%d errors=%d status_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
