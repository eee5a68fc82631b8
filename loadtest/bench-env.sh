# Sourced by the measuring scripts of loadtest/ (not smoke.sh, which keeps the defaults).
# Every /v1 call needs a token: the servers they start take this one as their bootstrap admin
# token, and the load sends it. The rate limits stay on (their cost is part of the measure) but
# far above the load.
export SSOT_ADMIN_TOKEN=${SSOT_ADMIN_TOKEN:-loadtest-admin-token-0123456789}
export SSOT_RATE_LIMIT_READS_PER_SECOND=${SSOT_RATE_LIMIT_READS_PER_SECOND:-100000000}
export SSOT_RATE_LIMIT_WRITES_PER_SECOND=${SSOT_RATE_LIMIT_WRITES_PER_SECOND:-100000000}
AUTH="Authorization: Bearer $SSOT_ADMIN_TOKEN"
