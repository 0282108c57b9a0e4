#!/bin/sh
# PID 1 of the Tandem container. Runs the `tandem` launcher with ARGS as the user tandem, passes
# SIGTERM/SIGINT on (so a master hands its VIPs over before the container stops), and with
# TANDEM_RESTART=on-failure starts Tandem again TANDEM_RESTART_DELAY seconds after it died (like
# systemd's Restart=on-failure): the restarted node removes the VIP its dead predecessor left and comes
# back as BACKUP.
set -u

# Started as root (a pair member, given NET_ADMIN): become tandem, keeping of the container's
# capabilities only those a node uses, as ambient ones (as the systemd unit's AmbientCapabilities):
# binding ports below 1024, adding VIPs, raw ARP/NA, and the heartbeat thread's priority.
if [ "$(id -u)" -eq 0 ]; then
  bounding=0
  while read -r key value; do
    [ "$key" = "CapBnd:" ] && bounding=$value
  done </proc/self/status
  keep=""
  for cap in net_bind_service:10 net_admin:12 net_raw:13 sys_nice:23; do
    if [ $(( (0x$bounding >> ${cap#*:}) & 1 )) -eq 1 ]; then
      keep="$keep,+${cap%:*}"
    fi
  done
  exec setpriv --reuid=tandem --regid=tandem --init-groups --no-new-privs \
    --inh-caps="-all$keep" --ambient-caps="-all$keep" --bounding-set="-all$keep" "$0" "$@"
fi

child=0
stopping=0
trap 'stopping=1; [ "$child" -ne 0 ] && kill -TERM "$child" 2>/dev/null' TERM INT

while :; do
  # The launcher execs java: $child is the JVM.
  /opt/tandem/tandem "$@" &
  child=$!
  wait "$child"
  status=$?
  # A trapped signal interrupts wait; the child is still stopping cleanly.
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    status=$?
  done
  child=0
  if [ "$stopping" -eq 1 ] || [ "${TANDEM_RESTART:-no}" != "on-failure" ] || [ "$status" -eq 0 ] || [ "$status" -eq 2 ]; then
    exit "$status"
  fi
  echo "entrypoint: tandem exited with status $status; restarting in ${TANDEM_RESTART_DELAY:-1}s" >&2
  sleep "${TANDEM_RESTART_DELAY:-1}"
done
