#!/bin/sh
# PID 1 of the Tandem container. Runs `java -jar tandem.jar ARGS`, passes SIGTERM/SIGINT on (so a
# master hands its VIPs over before the container stops), and with TANDEM_RESTART=on-failure starts
# Tandem again TANDEM_RESTART_DELAY seconds after it died (like systemd's Restart=on-failure): the
# restarted node removes the VIP its dead predecessor left and comes back as BACKUP.
set -u
child=0
stopping=0
trap 'stopping=1; [ "$child" -ne 0 ] && kill -TERM "$child" 2>/dev/null' TERM INT

while :; do
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
  java ${JAVA_OPTS:-} -jar /opt/tandem/tandem.jar "$@" &
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
