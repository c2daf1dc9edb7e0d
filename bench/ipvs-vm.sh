#!/usr/bin/env bash
# IPVS mode at scale needs a kernel with ip_vs: build bench/Ipvs here, then run it inside the IPVS test VM
# (tests/vm/vmrun.sh). Usage (root): bench/ipvs-vm.sh [SIZES, default 1000]   e.g. bench/ipvs-vm.sh 1000,10000
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Ipvs -c Release -v q -nologo >/dev/null
tests/vm/vmrun.sh -m 2048 -t 1800 -- bench/Ipvs/bin/Release/net10.0/Ipvs "${1:-1000}"
