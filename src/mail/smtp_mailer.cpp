// The SMTP worker thread: a queue of messages, each sent with one curl easy transfer.
#include "mail/smtp_mailer.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace gd::mail {
namespace {

struct Url {
  std::string scheme, host;
  bool has_password = false;
};

Url parse_url(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) throw std::runtime_error("curl_url failed");
  Url out;
  char* part = nullptr;
  bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK;
  if (ok && curl_url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) {
    out.scheme = part;
    curl_free(part);
  }
  if (ok && curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
    out.host = part;
    curl_free(part);
  }
  if (ok && curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
    out.has_password = true;
    curl_free(part);
  }
  if (ok && curl_url_get(u, CURLUPART_PATH, &part, 0) == CURLUE_OK) {
    ok = std::string_view(part) == "/" || std::string_view(part).empty();
    curl_free(part);
  }
  curl_url_cleanup(u);
  if (!ok || (out.scheme != "smtp" && out.scheme != "smtps") || out.host.empty())
    throw std::invalid_argument("--smtp-url must look like smtp[s]://user:password@host:port");
  return out;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Ends a transfer in progress when the mailer shuts down, so that a mail server that hangs
// does not hold the process's exit for the whole --smtp-timeout-ms.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

struct Upload {
  std::string data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t len = std::min(size * n, up->data.size() - up->at);
  std::memcpy(buf, up->data.data() + up->at, len);
  up->at += len;
  return len;
}

// A refusal for good is a permanent (5xx) reply to the recipient or the message; anything
// else (no connection, a timeout, 4xx, a refused login) may pass and is tried again.
SendResult classify(CURLcode code, long smtp_status, const char* error) {
  if (code == CURLE_OK) return SendResult::sent();
  std::string detail = error[0] ? error : curl_easy_strerror(code);
  if (smtp_status) detail += " (SMTP " + std::to_string(smtp_status) + ")";
  if (smtp_status >= 550 && smtp_status <= 554) return SendResult::failed(std::move(detail));
  return SendResult::retry(std::move(detail));
}

}  // namespace

void check_smtp_url(const std::string& url) {
  (void)parse_url(url);
}

std::string redacted_smtp_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto at = url.rfind('@');
  if (scheme_end == std::string::npos || at == std::string::npos || at < scheme_end) return url;
  const auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

struct SmtpMailer::Impl {
  SmtpOptions options;
  std::string sender;  // envelope address
  bool require_tls = true;
  std::mutex mu;
  std::condition_variable wake;
  std::deque<std::pair<Message, std::function<void(SendResult)>>> queue;
  bool stopping = false;
  std::atomic<bool> abort{false};  // stopping, readable without the lock
  std::thread thread;

  SendResult transfer(const Message& m);
  void run();
};

SendResult SmtpMailer::Impl::transfer(const Message& m) {
  CURL* e = curl_easy_init();
  if (!e) return SendResult::retry("curl_easy_init failed");
  Upload up{to_rfc5322(m, options.from, now_ms(), uuid_v7()), 0};
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + m.to + ">").c_str());
  char error[CURL_ERROR_SIZE] = {};
  const std::string from = "<" + sender + ">";
  curl_easy_setopt(e, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(e, CURLOPT_USE_SSL, require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(up.data.size()));
  curl_easy_setopt(e, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(e, CURLOPT_READDATA, &up);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout_ms));
  if (!options.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, &abort);
  const CURLcode code = curl_easy_perform(e);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(e);
  return classify(code, status, error);
}

void SmtpMailer::Impl::run() {
  for (;;) {
    std::pair<Message, std::function<void(SendResult)>> job;
    {
      std::unique_lock lock(mu);
      wake.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty()) return;
      job = std::move(queue.front());
      queue.pop_front();
    }
    SendResult r = stopping ? SendResult::retry("shutting down") : transfer(job.first);
    try {
      job.second(std::move(r));
    } catch (const std::exception& ex) {
      spdlog::error("smtp: completion failed: {}", ex.what());
    }
  }
}

SmtpMailer::SmtpMailer(SmtpOptions options) : impl_(std::make_unique<Impl>()) {
  static const bool global = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!global) throw std::runtime_error("curl_global_init failed");
  const Url url = parse_url(options.url);
  impl_->require_tls = !(url.scheme == "smtp" && loopback(url.host));
  impl_->sender = envelope_address(options.from);
  impl_->options = std::move(options);
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

SmtpMailer::~SmtpMailer() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->abort = true;
  impl_->wake.notify_all();
  impl_->thread.join();
}

void SmtpMailer::start(Message m, std::function<void(SendResult)> done) {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping && impl_->queue.size() < impl_->options.max_queued) {
      impl_->queue.emplace_back(std::move(m), std::move(done));
      impl_->wake.notify_one();
      return;
    }
  }
  done(SendResult::retry("the SMTP queue is full"));
}

}  // namespace gd::mail
