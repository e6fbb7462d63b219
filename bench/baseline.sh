# bench/run baseline — the baselines issue-wide comparisons are made against,
# on a fresh cluster with durable settings:
#   pgbench single-row insert of the lead's row shape, 1 and 32 clients;
#   pgbench multi-row insert, 100 rows per statement, 32 clients (rows/s);
#   raw ZeroMQ PUSH/PULL of 200-byte messages over loopback TCP.
source "$(dirname "$0")/lib.sh"
bench_cluster
psql "$LEADLINE_DB" -qX -c "CREATE TABLE bench_lead (id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE, employee_id text NOT NULL, station_id text NOT NULL,
  business_name text NOT NULL, business_zip text NOT NULL, contact_phone text NOT NULL,
  products smallint[] NOT NULL, notes text NOT NULL, entered_at timestamptz NOT NULL DEFAULT now())" >/dev/null
one=$(mktemp); many=$(mktemp)
cat >"$one" <<'SQL'
INSERT INTO bench_lead (idempotency_key, employee_id, station_id, business_name, business_zip, contact_phone, products, notes)
VALUES (gen_random_uuid()::text, 'E1', 'S-MAIN', 'Shop abc 12345', '10001', '2125550100', '{1,5}', 'ships parcels daily');
SQL
cat >"$many" <<'SQL'
INSERT INTO bench_lead (idempotency_key, employee_id, station_id, business_name, business_zip, contact_phone, products, notes)
SELECT gen_random_uuid()::text, 'E1', 'S-MAIN', 'Shop abc ' || g, '10001', '2125550100', '{1,5}', 'ships parcels daily'
FROM generate_series(1, 100) g;
SQL
tps1=$(pgbench_tps 1 10 "$one")
tps32=$(pgbench_tps 32 10 "$one")
multi=$(pgbench_tps 32 10 "$many")
rm -f "$one" "$many"
figure pgbench_single_insert_1_client "$tps1" tps
figure pgbench_single_insert_32_clients "$tps32" tps
figure pgbench_multi_insert_100_rows_32_clients "$(( multi * 100 ))" rows/s
ratio multi_row_vs_single_row_32_clients "$(( multi * 100 ))" "$tps32"
zmq=$("$bench_build/bench/zmq_pushpull" 2000000 200)
figure zmq_push_pull_200_bytes "$zmq" msgs/s
