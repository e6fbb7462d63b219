# Sourced by tests that start the whole stack: private ports for every
# endpoint, from a base derived from the caller's PID, so tests running at
# once (and a developer's own stack) never meet. Sets `base` and exports
# every LEADLINE_*_ENDPOINT/_PUB/_REPLAY/_HTTP and the matching *_CONNECT.
#   ll_ports [BASE]
ll_ports_free() {
  local used p
  used=$(ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
  for p in $(seq "$1" $(($1 + 39))); do grep -qx "$p" <<<"$used" && return 1; done
  return 0
}
ll_ports() {
  base=${1:-}
  if [ -z "$base" ]; then
    # below the ephemeral range (32768 up) that outgoing connections use
    base=$(( 20000 + ($$ % 120) * 100 ))
    local _i
    for _i in $(seq 20); do ll_ports_free "$base" && break; base=$(( 20000 + (RANDOM % 120) * 100 )); done
  fi
  local h=${LL_PORTS_HOST:-127.0.0.1}
  ep() { echo "tcp://$h:$((base + $1))"; }
  export LEADLINE_INTAKE_ENDPOINT=tcp://*:$((base + 0)) LEADLINE_INTAKE_PUB=tcp://*:$((base + 1))
  export LEADLINE_INTAKE_REPLAY=tcp://*:$((base + 2)) LEADLINE_INTAKE_HTTP=127.0.0.1:$((base + 3))
  export LEADLINE_INTAKE_CONNECT=$(ep 0) LEADLINE_INTAKE_PUB_CONNECT=$(ep 1) LEADLINE_INTAKE_REPLAY_CONNECT=$(ep 2)
  export LEADLINE_SLA_PUB=tcp://*:$((base + 11)) LEADLINE_SLA_REPLAY=tcp://*:$((base + 12))
  export LEADLINE_SLA_HTTP=127.0.0.1:$((base + 13))
  export LEADLINE_SLA_PUB_CONNECT=$(ep 11) LEADLINE_SLA_REPLAY_CONNECT=$(ep 12)
  export LEADLINE_NOTIFIER_ENDPOINT=tcp://*:$((base + 20)) LEADLINE_NOTIFIER_CONNECT=$(ep 20)
  export LEADLINE_NOTIFIER_HTTP=127.0.0.1:$((base + 23))
  export LEADLINE_REPORTING_PUB=tcp://*:$((base + 31)) LEADLINE_REPORTING_REPLAY=tcp://*:$((base + 32))
  export LEADLINE_REPORTING_HTTP=127.0.0.1:$((base + 33)) LEADLINE_REPORTING_URL=http://127.0.0.1:$((base + 33))
  export LEADLINE_REPORTING_ENDPOINT=tcp://*:$((base + 30)) LEADLINE_REPORTING_CONNECT=$(ep 30)
  export LEADLINE_REPORTING_PUB_CONNECT=$(ep 31) LEADLINE_REPORTING_REPLAY_CONNECT=$(ep 32)
  export LEADLINE_INTAKE_PUB_CONNECT=$(ep 1) LEADLINE_INTAKE_REPLAY_CONNECT=$(ep 2)
  export LEADLINE_SLA_PUB_CONNECT=$(ep 11) LEADLINE_SLA_REPLAY_CONNECT=$(ep 12)
}
