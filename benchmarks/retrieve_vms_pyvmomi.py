#!/usr/bin/env python3
"""pyvmomi (Python) peer of `cargo run -p photon-vim --example retrieve_vms`.

Logs in to a vCenter (or vcsim), then, --rounds times, creates one ContainerView of every
VirtualMachine under the root folder and fetches eight properties of all of them with one
RetrievePropertiesEx (following continuation tokens, if the server pages). Prints one line:

    vms=<n> login_ms=<x> best_retrieve_ms=<y>

login_ms covers pyvmomi's SmartConnect (API version negotiation, ServiceContent, Login) over a fresh
TLS connection; best_retrieve_ms is the fastest round of CreateContainerView + RetrievePropertiesEx
(pyvmomi deserializes the reply into its typed objects) + DestroyView, the same calls the Rust
client's `Client::retrieve` makes per round. TLS is always verified against --ca-file; there is no
insecure mode.

benchmarks/run installs pyvmomi into .tools/bench-venv and runs this script with that interpreter.
"""

import argparse
import ssl
import sys
import time
from urllib.parse import urlsplit

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

# The same eight properties the Rust and govmomi clients fetch.
PROPERTIES = [
    "name",
    "runtime.powerState",
    "config.hardware.numCPU",
    "config.hardware.memoryMB",
    "config.uuid",
    "guest.ipAddress",
    "datastore",
    "network",
]


def fail(message):
    print(f"retrieve_vms_pyvmomi: {message}", file=sys.stderr)
    sys.exit(1)


def retrieve(content, view):
    """Properties of every VM in the view: one RetrievePropertiesEx, then Continue… while paged."""
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[
            vmodl.query.PropertyCollector.ObjectSpec(
                obj=view,
                skip=True,
                selectSet=[
                    vmodl.query.PropertyCollector.TraversalSpec(
                        type=vim.view.ContainerView, path="view", skip=False
                    )
                ],
            )
        ],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=PROPERTIES)],
    )
    collector = content.propertyCollector
    result = collector.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
    objects = []
    while result is not None:
        objects.extend(result.objects)
        if not result.token:
            break
        result = collector.ContinueRetrievePropertiesEx(result.token)
    return objects


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SDK URL, e.g. https://127.0.0.1:8989/sdk")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--ca-file", required=True, help="PEM file of the CA that signed the server certificate")
    parser.add_argument("--rounds", type=int, default=5, help="number of timed retrievals; the best is reported")
    args = parser.parse_args()
    if args.rounds < 1:
        fail("--rounds must be at least 1")

    url = urlsplit(args.url)
    if url.scheme != "https" or not url.hostname:
        fail(f"--url must be an https URL, got {args.url!r}")
    context = ssl.create_default_context(cafile=args.ca_file)  # verifies chain and host name

    login_start = time.perf_counter()
    try:
        si = SmartConnect(
            protocol="https",
            host=url.hostname,
            port=url.port or 443,
            path=url.path or "/sdk",
            user=args.username,
            pwd=args.password,
            sslContext=context,
        )
    except Exception as error:  # noqa: BLE001 - report whatever pyvmomi raised, then exit 1
        fail(f"login: {getattr(error, 'msg', None) or error}")
    login = time.perf_counter() - login_start

    try:
        content = si.RetrieveContent()
        vms = None
        best = None
        for round_number in range(1, args.rounds + 1):
            start = time.perf_counter()
            view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
            objects = retrieve(content, view)
            view.DestroyView()
            elapsed = time.perf_counter() - start
            if vms is not None and len(objects) != vms:
                fail(f"round {round_number} saw {len(objects)} VMs, earlier rounds {vms}")
            vms = len(objects)
            best = elapsed if best is None else min(best, elapsed)
    finally:
        Disconnect(si)

    print(f"vms={vms} login_ms={login * 1000:.1f} best_retrieve_ms={best * 1000:.1f}")


if __name__ == "__main__":
    main()
