#!/usr/bin/env python3
"""Writes N keys with values of a given size through POST /v1/txn (128 puts per txn, one
keep-alive connection): the data set of random-reads.sh. Keys as bench FillStore names them,
svc<i % 1000>/prod/setting.<i>.

  fill-txn.py <base url> <keys> <value bytes>     (token from SSOT_ADMIN_TOKEN)
"""
import http.client, json, os, sys, time, urllib.parse

base, keys, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port)
headers = {"Authorization": "Bearer " + os.environ["SSOT_ADMIN_TOKEN"], "Content-Type": "application/json"}
started = time.time()
for first in range(0, keys, 128):
    ops = []
    for i in range(first, min(first + 128, keys)):
        head = '{"i":%d,"pad":"' % i
        value = head + "x" * (size - len(head) - 2) + '"}'
        ops.append('{"op":"put","key":"svc%d/prod/setting.%d","value":%s}' % (i % 1000, i, value))
    conn.request("POST", "/v1/txn", '{"success":[' + ",".join(ops) + "]}", headers)
    answer = conn.getresponse()
    body = answer.read()
    if answer.status != 200:
        sys.exit("txn at key %d: %d %s" % (first, answer.status, body[:300]))
print("wrote %d keys of %d bytes in %.1f s" % (keys, size, time.time() - started))
