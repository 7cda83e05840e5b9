#!/usr/bin/env bash
# Header check against the built library: the functions include/bkcc.h declares and the symbols libbkcc.so.0
# exports must be the same set, and nothing else may be exported. (The Swift build checks each function's
# type against the header: Sources/BKCCExports/HeaderCheck.swift.)
set -euo pipefail
lib=${1:-dist/lib/libbkcc.so.0}
header=${2:-include/bkcc.h}
declared=$(grep -oE '\bbkcc_[a-z_]+\(' "$header" | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u)
status=0
if [ "$declared" != "$exported" ]; then
  echo "header and library disagree:"
  diff <(echo "$declared") <(echo "$exported") | sed 's/^</  only in the header:/; s/^>/  only in the library:/' | grep only || true
  status=1
fi
for name in bkcc_version bkcc_status_name bkcc_client_new bkcc_client_new_json bkcc_client_free \
            bkcc_batch_create_inst bkcc_batch_create_inst_json bkcc_validate bkcc_build_request \
            bkcc_parse_response bkcc_validate_json bkcc_parse_response_json bkcc_reconcile \
            bkcc_client_set_transport bkcc_client_set_progress bkcc_free bkcc_json_decref \
            bkcc_reconcile_json bkcc_build_request_json bkcc_status_text bkcc_config_schema \
            bkcc_batch_update_inst bkcc_batch_update_inst_json bkcc_batch_delete_inst bkcc_batch_delete_inst_json \
            bkcc_search_inst bkcc_search_inst_json bkcc_get_model bkcc_get_model_json \
            bkcc_validate_model bkcc_validate_model_json bkcc_sync_plan bkcc_sync_plan_json; do
  grep -qx "$name" <<< "$exported" || { echo "missing contract symbol: $name"; status=1; }
done
# The request log (Exports+Log.swift).
for name in bkcc_client_set_log; do
  grep -qx "$name" <<< "$exported" || { echo "missing contract symbol: $name"; status=1; }
done
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libbkcc.so.0" ] || { echo "SONAME is '$soname', expected libbkcc.so.0"; status=1; }
# grep -q reads from a here-string, not a pipe: with pipefail, the writer killed by SIGPIPE when grep -q stops at
# its first match failed the pipeline (CI once reported "missing contract symbol: bkcc_batch_update_inst", which
# the library exports; here it would have hidden a toolchain dependency).
linked=$(ldd "$lib")
if grep -qE 'swift|/opt/' <<< "$linked"; then
  echo "libbkcc depends on the Swift toolchain:"; ldd "$lib" | grep -E 'swift|/opt/'; status=1
fi
[ $status -eq 0 ] && echo "header check: $(echo "$exported" | wc -l) exports match include/bkcc.h; SONAME libbkcc.so.0; no toolchain dependency"
exit $status
