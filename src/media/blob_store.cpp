// The local-directory blob store: temp file + fsync + rename, reads by validated name only.
#include "media/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "core/ids.hpp"
#include "core/offload.hpp"
#include "media/image_format.hpp"

namespace gd::media {
namespace {

constexpr std::size_t kUuidChars = 36;
constexpr off_t kMaxBlobBytes = 64 * 1024 * 1024;  // far above any re-encoded upload

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write " + path);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

bool valid_media_name(std::string_view name) {
  if (name.size() < kUuidChars + 4 || name[kUuidChars] != '.') return false;
  return is_uuid(name.substr(0, kUuidChars)) &&
         format_of_extension(name.substr(kUuidChars + 1)).has_value();
}

LocalBlobStore::LocalBlobStore(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
}

void LocalBlobStore::put(std::string_view name, std::string_view bytes,
                         std::string_view content_type) {
  // The caller chose the name; a bad one is a bug, and must never reach the file system.
  if (!valid_media_name(name)) throw std::invalid_argument("invalid blob name");
  const auto format = format_of_extension(name.substr(kUuidChars + 1));
  if (content_type != content_type_of(*format))
    throw std::invalid_argument("content type does not match the blob name");
  const auto final_path = (dir_ / std::string(name)).string();
  // Hidden and never a valid name, so a half-written file can never be served.
  const auto tmp_path = (dir_ / (".tmp-" + uuid_v4())).string();
  {
    Fd f{::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
    if (f.fd < 0) fail("create " + tmp_path);
    try {
      write_all(f.fd, bytes, tmp_path);
      if (::fsync(f.fd) != 0) fail("fsync " + tmp_path);
    } catch (...) {
      ::unlink(tmp_path.c_str());
      throw;
    }
  }
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp_path.c_str());
    errno = saved;
    fail("rename " + tmp_path);
  }
}

std::optional<Blob> LocalBlobStore::get(std::string_view name) {
  if (!valid_media_name(name)) return std::nullopt;
  const auto path = (dir_ / std::string(name)).string();
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (f.fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail("open " + path);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail("stat " + path);
  if (!S_ISREG(st.st_mode) || st.st_size > kMaxBlobBytes) return std::nullopt;
  Blob blob;
  blob.content_type = content_type_of(*format_of_extension(name.substr(kUuidChars + 1)));
  blob.bytes.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < blob.bytes.size()) {
    const auto n = ::read(f.fd, blob.bytes.data() + done, blob.bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read " + path);
    }
    if (n == 0) break;  // shrank under us; blobs are immutable, so this is not expected
    done += static_cast<std::size_t>(n);
  }
  blob.bytes.resize(done);
  return blob;
}

Task<void> LocalBlobStore::save(std::string name, std::string bytes, std::string content_type) {
  auto write = [this, name = std::move(name), bytes = std::move(bytes),
                content_type = std::move(content_type)] { put(name, bytes, content_type); };
  co_await offload(files_.get_executor(), std::move(write));
}

Task<std::optional<Blob>> LocalBlobStore::load(std::string name) {
  auto read = [this, name = std::move(name)] { return get(name); };
  co_return co_await offload(files_.get_executor(), std::move(read));
}

Task<bool> LocalBlobStore::exists(std::string name) {
  auto check = [this, name = std::move(name)] {
    if (!valid_media_name(name)) return false;
    struct stat st {};
    return ::lstat((dir_ / name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
  };
  co_return co_await offload(files_.get_executor(), std::move(check));
}

}  // namespace gd::media
