import json
from tests.factories import case_payload, ID_A

def test_probe(app, login, engine):
    from fastapi.testclient import TestClient
    client = TestClient(app, raise_server_exceptions=False)
    out = []
    w = login("window1")
    def p(label, r):
        out.append(f"{engine.dialect.name} {label}: {r.status_code} {r.text[:300]}")
    p("nul summary", client.post("/api/v1/cases", json=case_payload(summary="漏水\x00"), headers=w))
    p("nul q", client.get("/api/v1/cases", params={"q": "a\x00b"}, headers=w))
    p("nul org", client.get("/api/v1/cases", params={"org_code": "a\x00b"}, headers=w))
    p("nul mediators", client.get("/api/v1/mediators", params={"org_code": "a\x00b"}, headers=w))
    p("nul login", client.post("/api/v1/auth/token", data={"username": "a\x00b", "password": "x"}))
    p("fullwidth region", client.post("/api/v1/cases", json=case_payload(region="330106００１"), headers=w))
    p("fullwidth id", client.post("/api/v1/cases", json=case_payload(parties=[{"role":"applicant","kind":"person","name":"a","id_number":"１１０１０５１９４９１２３１００２Ｘ"},{"role":"respondent","kind":"person","name":"b"}]), headers=w))
    p("array body", client.post("/api/v1/cases", json=[1], headers=w))
    p("nonjson body", client.post("/api/v1/cases", content=b"{nope", headers={**w, "Content-Type": "application/json"}))
    c = client.post("/api/v1/cases", json=case_payload(), headers=w).json()
    p("action nonjson", client.post(f"/api/v1/cases/{c['id']}/actions/divert", content=b"{nope", headers={**w, "Content-Type": "application/json"}))
    p("action array", client.post(f"/api/v1/cases/{c['id']}/actions/divert", json=[1], headers=w))
    p("action text/plain", client.post(f"/api/v1/cases/{c['id']}/actions/divert", content=b"hello", headers={**w, "Content-Type": "text/plain"}))
    p("divert nul org", client.post(f"/api/v1/cases/{c['id']}/actions/divert", json={"org_code": "\x00"}, headers=w))
    p("q percent", client.get("/api/v1/cases", params={"q": "%"}, headers=w))
    p("ifmatch huge", client.post(f"/api/v1/cases/{c['id']}/actions/divert", json={}, headers={**w, "If-Match": "9"*40}))
    p("idem nul", client.post("/api/v1/cases", json=case_payload(), headers={**w, "Idempotency-Key": "k\x00"}) if False else client.get("/healthz"))
    p("claim huge", client.post("/api/v1/cases", json=case_payload(claim_amount="9999999999999.99"), headers=w))
    p("claim 1e-2", client.post("/api/v1/cases", json=case_payload(claim_amount=1e-7), headers=w))
    p("occurred int", client.post("/api/v1/cases", json=case_payload(occurred_on=10**12), headers=w))
    p("referral str", client.post("/api/v1/cases", json=case_payload(referral={"court_code": "x"*64, "received_on": "2026-01-01"}), headers=w))
    p("id_number 18 x lower", client.post("/api/v1/cases", json=case_payload(parties=[{"role":"applicant","kind":"person","name":"a","id_number":" 11010519491231002x "},{"role":"respondent","kind":"person","name":"b"}]), headers=w))
    p("address 300", client.post("/api/v1/cases", json=case_payload(parties=[{"role":"applicant","kind":"person","name":"a","address":"路"*300},{"role":"respondent","kind":"person","name":"b"}]), headers=w))
    p("uscc lowercase", client.post("/api/v1/cases", json=case_payload(parties=[{"role":"applicant","kind":"organization","name":"a","uscc":"91110000600037341l"},{"role":"respondent","kind":"person","name":"b"}]), headers=w))
    p("phone long", client.post("/api/v1/cases", json=case_payload(parties=[{"role":"applicant","kind":"person","name":"a","phone":"+86 571 8888 8888 ext 12"},{"role":"respondent","kind":"person","name":"b"}]), headers=w))
    p("summary nul2", client.post("/api/v1/cases", json=case_payload(parties=[{"role":"applicant","kind":"person","name":"a\x00"},{"role":"respondent","kind":"person","name":"b"}]), headers=w))
    print("\n".join(out))
    assert 0
