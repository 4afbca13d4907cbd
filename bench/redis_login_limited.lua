-- wrk script: POST /auth/login with a wrong password for one email: once the pair's budget is
-- spent every request is the rate limiter's alone (three bucket checks, no Argon2id).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"not the password 1"}', os.getenv("BENCH_EMAIL"))
