#!/bin/sh
# PID 1 of a keepalived + HAProxy pair member (the comparison pair of lb-it's KeepalivedPairBench).
# Starts HAProxy (-db, foreground, config /etc/haproxy/haproxy.cfg) and keepalived (--dont-fork,
# config /etc/keepalived/keepalived.conf); restarts keepalived KEEPALIVED_RESTART_DELAY seconds
# (default 2) after it died, like systemd's Restart=on-failure (and like Tandem's image restarts its
# JVM). On SIGTERM (docker stop) keepalived is stopped first (it sends a priority-0 advert and removes
# its VIPs), then HAProxy soft-stops (SIGUSR1: finishes the requests in flight).
# Everything writes to the container's output, where Docker timestamps each line (the test reads the
# log with those timestamps); `ip monitor address` lines for eth0 show when a VIP was added or deleted.
set -u
ip -o monitor address dev eth0 &
haproxy -db -f /etc/haproxy/haproxy.cfg &
hpid=$!

stopping=0
kpid=0
trap 'stopping=1; [ "$kpid" -ne 0 ] && kill -TERM "$kpid" 2>/dev/null' TERM INT

while :; do
  keepalived --dont-fork --log-console --log-detail -f /etc/keepalived/keepalived.conf &
  kpid=$!
  wait "$kpid"
  status=$?
  # A trapped signal interrupts wait; keepalived is still stopping.
  while kill -0 "$kpid" 2>/dev/null; do
    wait "$kpid"
    status=$?
  done
  kpid=0
  [ "$stopping" -eq 1 ] && break
  echo "entrypoint: keepalived exited with status $status; restarting in ${KEEPALIVED_RESTART_DELAY:-2}s"
  sleep "${KEEPALIVED_RESTART_DELAY:-2}"
  [ "$stopping" -eq 1 ] && break
done

echo "entrypoint: keepalived stopped; HAProxy soft-stops"
kill -USR1 "$hpid" 2>/dev/null
for _ in $(seq 1 100); do
  kill -0 "$hpid" 2>/dev/null || break
  sleep 0.1
done
exit 0
