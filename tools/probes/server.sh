#!/usr/bin/env bash
# Probe: Inntak on the clinic's server under faults, in the style of ../shared/probes/.
# Starts its own throw-away PostgreSQL (.ci/postgres.sh), runs the release binary (BIN,
# default target/release/inntak) as IT and two clinicians would, and prints a table:
#   1. kill -9 of a client mid-write: all or nothing, the chain whole (5 kills)
#   2. the server stopped mid-write and started again: a Norwegian message, all or nothing,
#      the next command works without anything done by hand
#   3. a login of team B reads none of team A's patients with any command
#   4. `inntak port` moves a file with its audit chain; a second port is refused
# Run from the project root: bash tools/probes/server.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/release/inntak}
WORK=${WORK:-/tmp/inntak-server-probe}
rm -rf "$WORK" && mkdir -p "$WORK"
source .ci/postgres.sh
pg_start
trap 'pg_stop' EXIT
ADMIN_PW=$(cat "$PG_TEST_DIR/pw")
HOSTPORT=${INNTAK_TEST_PG#*@}
HOSTPORT=${HOSTPORT%/*}
CA=$INNTAK_TEST_PG_CA
owner_url() { echo "postgres://postgres@$HOSTPORT/$1?sslmode=verify-full&sslrootcert=$CA"; }
user_url() { echo "postgres://$1@$HOSTPORT/$2?sslmode=verify-full&sslrootcert=$CA"; }
sql() { psql "postgres://postgres:$ADMIN_PW@$HOSTPORT/$1" -Atqc "$2"; }
printf 'leder-passord-123\n' >"$WORK/pw"
fresh() { # database name, team, login
    sql postgres "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
    sql postgres "CREATE DATABASE $1" >/dev/null
    INNTAK_SERVER_PASSWORD=$ADMIN_PW "$BIN" server init --url "$(owner_url "$1")" --team "$2" >/dev/null
    INNTAK_SERVER_PASSWORD=$ADMIN_PW "$BIN" server add-user --url "$(owner_url "$1")" \
        --name "$3" --team "$2" --role leder --password-file "$WORK/pw" >/dev/null
}
as_user() { # login db args...
    local login=$1 db=$2
    shift 2
    "$BIN" --server "$(user_url "$login" "$db")" --server-password-file "$WORK/pw" --today 2026-11-24 "$@"
}
verify_owner() { INNTAK_SERVER_PASSWORD=$ADMIN_PW "$BIN" --server "$(owner_url "$1")" verify >/dev/null 2>&1 && echo ok || echo BROKEN; }
RESULTS=()
row() { RESULTS+=("$(printf '| %-44s | %-10s | %s |' "$1" "$2" "$3")"); }

# 1. kill -9 mid-write.
all_or_nothing=0
for i in 1 2 3 4 5; do
    fresh p1 "Team A" kari
    as_user kari p1 demo --referrals 20000 >/dev/null 2>&1 &
    pid=$!
    if [ "$i" -lt 5 ]; then
        sleep "$(awk -v i="$i" 'BEGIN { print 0.3 * 2.6 ^ (i - 1) }')"
        kill -9 "$pid" 2>/dev/null
    fi
    # The fifth runs to its end: the full write is there, and kill -9 after it changes nothing.
    wait "$pid" 2>/dev/null
    n=$(sql p1 "SELECT count(*) FROM referrals")
    chain=$(verify_owner p1)
    if { [ "$n" = 0 ] || [ "$n" = 20000 ]; } && [ "$chain" = ok ]; then
        all_or_nothing=$((all_or_nothing + 1))
    fi
    echo "run $i (killed after $(awk -v i="$i" 'BEGIN { print i < 5 ? 0.3 * 2.6 ^ (i - 1) : "never" }') s): referrals=$n chain=$chain"
done
row "kill -9 mid demo (20,000): all or nothing" "$all_or_nothing/5" "referral count 0 or 20,000, chain verified by the owner"

# 2. The server stopped mid-write, then started again.
fresh p2 "Team A" kari
as_user kari p2 demo --referrals 20000 >"$WORK/p2.out" 2>"$WORK/p2.err" &
pid=$!
sleep 1.5
pg_stop_only
wait "$pid"
rc=$?
pg_start_again
n=$(sql p2 "SELECT count(*) FROM referrals")
said=$(tr '\n' ' ' <"$WORK/p2.err")
english=$(grep -ciE 'terminat|shutdown|connection refused|error' "$WORK/p2.err")
as_user kari p2 stats --year 2026 >/dev/null 2>&1 && after=ok || after=FAILED
row "server stopped mid demo: exit code" "$rc" "message: ${said:0:110}"
row "  rows after (0 or 20,000), engine text shown" "$n, $english" "the next command after the restart: $after"

# 3. Team B reads nothing of team A's.
fresh p3 "Team A" kari
INNTAK_SERVER_PASSWORD=$ADMIN_PW "$BIN" server add-user --url "$(owner_url p3)" --name bodil \
    --team "Team B" --role leder --password-file "$WORK/pw" >/dev/null
as_user kari p3 demo --referrals 300 >/dev/null 2>&1
sql p3 "SELECT patient FROM referrals" >"$WORK/a_names"
leaks=0
for cmd in "export" "stats --year 2026 --csv" "fristbrudd" "audit" "agenda --next" "minutes --meeting 2026-11-19" "letters --meeting 2026-11-19"; do
    out="$WORK/b_$(echo "$cmd" | tr ' ' '_')"
    # shellcheck disable=SC2086
    as_user bodil p3 $cmd --out "$out.out" >/dev/null 2>"$out.err"
    text=$( { tr -d '\000' 2>/dev/null <"$out.out"; pdftotext "$out.out" - 2>/dev/null; cat "$out.err"; } )
    found=$(grep -cFf "$WORK/a_names" <<<"$text")
    leaks=$((leaks + found))
    echo "team B: $cmd -> $found of team A's names"
done
b_count=$(as_user bodil p3 export 2>/dev/null | wc -l)
row "team B, 7 commands: team A's names seen" "$leaks" "team B's export: $((b_count - 1)) referrals (team A has 300)"

# 4. port keeps the chain.
"$BIN" --db "$WORK/klinikk.sqlite3" --today 2026-11-24 demo --referrals 2000 >/dev/null 2>&1
sql postgres "DROP DATABASE IF EXISTS p4 WITH (FORCE)" >/dev/null
sql postgres "CREATE DATABASE p4" >/dev/null
INNTAK_SERVER_PASSWORD=$ADMIN_PW "$BIN" --db "$WORK/klinikk.sqlite3" port --to "$(owner_url p4)" >"$WORK/p4.out" 2>&1
rc=$?
file_rows=$(sqlite3 "$WORK/klinikk.sqlite3" "SELECT count(*) FROM audit_log")
server_rows=$(sql p4 "SELECT count(*) FROM audit_log")
chain=$(verify_owner p4)
INNTAK_SERVER_PASSWORD=$ADMIN_PW "$BIN" --db "$WORK/klinikk.sqlite3" port --to "$(owner_url p4)" >"$WORK/p4b.out" 2>&1
rc2=$?
row "port 2,000-referral file: exit, chain" "$rc, $chain" "audit rows: file $file_rows, server $server_rows (+1: the move)"
row "  a second port into it" "exit $rc2" "$(head -c 100 "$WORK/p4b.out")"

echo
printf '| %-44s | %-10s | %s |\n' "probe" "result" "detail"
printf '|%s|%s|%s|\n' "----------------------------------------------" "------------" "------"
for r in "${RESULTS[@]}"; do echo "$r"; done
