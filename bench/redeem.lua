-- wrk script: POST /redemptions of one offer (BENCH_OFFER) by one user (BENCH_TOKEN): every
-- request contends for the same balance.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = string.format('{"offerId":"%s"}', os.getenv("BENCH_OFFER"))
