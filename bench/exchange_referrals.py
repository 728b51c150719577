"""Referrals between two real Tutela instances on loopback: how long one takes there and back.

Starts two servers (uvicorn threads, each its own data dir and SQLite database), registers each
organisation as the other's partner, then for N cases: the hotline refers the case (signed, delivered,
receipt verified and recorded), the platform acknowledges, reports removal and closes it (each step
signed, delivered, verified). Prints wall-clock and process CPU time per referral and per step, and
the medians of the measured times to acknowledgement and removal (which on loopback are the software's
own latency, not an agency's).

    PYTHONPATH=src python bench/exchange_referrals.py --cases 50
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=50)
    args = ap.parse_args()

    from tutela.access import Principal, create_org
    from tutela.api.app import create_app
    from tutela.cases.service import submit_report
    from tutela.client.testing import serve_in_thread
    from tutela.config import Settings
    from tutela.domain.cases import ReportIn
    from tutela.exchange import identity, partners
    from tutela.exchange import referrals as xref
    from tutela.storage.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        inst = []
        for i, (org, kind, country) in enumerate((("Hotline TR", "hotline", "TR"), ("Platform AZ", "platform", "AZ"))):
            s = Settings(data_dir=Path(tmp) / f"i{i}", secret_key=f"bench-{i}")
            s.ensure_data_dir()
            db = Database.from_settings(s)
            oid = create_org(db, org, kind=kind, country=country)
            inst.append((s, db, oid, org))
        (sa, dba, a, _), (sb, dbb, b, _) = inst
        with serve_in_thread(create_app(sa, dba)) as url_a, serve_in_thread(create_app(sb, dbb)) as url_b:
            partners.add_partner(dba, a, "az", identity.current_key(dbb, b).public_key, url=url_b,
                                 share_level="amber+strict")
            partners.add_partner(dbb, b, "tr", identity.current_key(dba, a).public_key, url=url_a,
                                 share_level="amber+strict")
            pa = Principal(a, "Hotline TR", frozenset({"exchange", "reports", "cases"}), key_id="bench")
            pb = Principal(b, "Platform AZ", frozenset({"exchange"}), key_id="bench")
            cases = [submit_report(dba, sa, ReportIn(category="sexual_exploitation", country="TR",
                                                     reporter_kind="platform",
                                                     urls=[f"https://cdn.example.az/{i}"]), principal=pa).case_id
                     for i in range(args.cases)]
            refer_wall = refer_cpu = step_wall = step_cpu = 0.0
            sent = []
            for cid in cases:  # one at a time, as an analyst would: refer, then the platform works it
                w0, c0 = time.perf_counter(), time.process_time()
                r = xref.refer_case(dba, sa, pa, cid, "az")
                w1, c1 = time.perf_counter(), time.process_time()
                (incoming,) = [x for x in xref.list_referrals(dbb, pb, direction="in", limit=5) if x.uid == r.uid]
                w2, c2 = time.perf_counter(), time.process_time()
                xref.record_step(dbb, sb, pb, incoming.id, "acknowledged")
                xref.record_step(dbb, sb, pb, incoming.id, "removed")
                xref.record_step(dbb, sb, pb, incoming.id, "closed", outcome="removed")
                w3, c3 = time.perf_counter(), time.process_time()
                refer_wall, refer_cpu = refer_wall + w1 - w0, refer_cpu + c1 - c0
                step_wall, step_cpu = step_wall + w3 - w2, step_cpu + c3 - c2
                sent.append(r)
            assert all(s.delivered and s.received_at for s in sent)
            (timings,) = [t for t in xref.timings(dba, pa) if t.direction == "out"]
            n = len(cases)
            print(f"{n} referrals: {1000 * refer_wall / n:.1f} ms wall, {1000 * refer_cpu / n:.1f} ms CPU each "
                  "(sign, deliver, verify at the receiver, signed receipt back, verified and recorded)")
            print(f"{3 * n} steps: {1000 * step_wall / (3 * n):.1f} ms wall, {1000 * step_cpu / (3 * n):.1f} ms CPU "
                  "each (sign, deliver, verify, record at the sender)")
            print(f"median sent -> acknowledged {timings.median_hours_to_acknowledge * 3600:.2f} s, "
                  f"sent -> removed {timings.median_hours_to_remove * 3600:.2f} s as the sender's table "
                  f"measures them ({timings.closed} of {n} closed); both servers in this one process")
        dba.dispose()
        dbb.dispose()


if __name__ == "__main__":
    main()
