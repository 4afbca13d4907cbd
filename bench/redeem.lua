-- wrk script: POST /redemptions of one offer (BENCH_OFFER). BENCH_TOKENS names a file of access
-- tokens, one per line, used in turn: with one token every request contends for the same
-- balance; with many, requests spread over many users.
function init(args)
  tokens = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do table.insert(tokens, line) end
  next_token = 0
  body = string.format('{"offerId":"%s"}', os.getenv("BENCH_OFFER"))
end

function request()
  next_token = next_token % #tokens + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[next_token],
  }, body)
end
