// Sphere geometry for geo search and location privacy.
#include "tasks/geo.hpp"

#include <algorithm>
#include <cmath>

namespace gd::tasks {
namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;
constexpr double kRadToDeg = 180.0 / kPi;
}  // namespace

double haversine_m(GeoPoint a, GeoPoint b) {
  const double dlat = (b.lat - a.lat) * kDegToRad;
  const double dlng = (b.lng - a.lng) * kDegToRad;
  const double s = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.lat * kDegToRad) * std::cos(b.lat * kDegToRad) * std::sin(dlng / 2) *
                       std::sin(dlng / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(s)));
}

GeoPoint snap_to_grid(GeoPoint p) {
  const double lat_step = kGridCellM / kEarthRadiusM * kRadToDeg;
  double row = std::floor((p.lat + 90.0) / lat_step);
  const double max_row = std::floor(180.0 / lat_step) - 1;
  row = std::clamp(row, 0.0, max_row);
  const double lat = -90.0 + (row + 0.5) * lat_step;
  // Longitude cells keep ~250 m width; near the poles, at most 360 degrees.
  const double circumference_m = 2 * kPi * kEarthRadiusM * std::cos(lat * kDegToRad);
  const double cells = std::max(1.0, std::floor(circumference_m / kGridCellM));
  const double lng_step = 360.0 / cells;
  const double col = std::min(cells - 1, std::floor((p.lng + 180.0) / lng_step));
  return {lat, -180.0 + (col + 0.5) * lng_step};
}

std::vector<Box> bounding_boxes(GeoPoint c, double radius_m) {
  const double dlat = radius_m / kEarthRadiusM * kRadToDeg;
  const double min_lat = c.lat - dlat, max_lat = c.lat + dlat;
  if (min_lat <= -90.0 || max_lat >= 90.0) {
    return {{std::max(-90.0, min_lat), std::min(90.0, max_lat), -180.0, 180.0}};
  }
  // The widest longitude span is at the box's latitude farthest from the equator.
  const double widest = std::max(std::fabs(min_lat), std::fabs(max_lat)) * kDegToRad;
  const double ratio = std::sin(radius_m / kEarthRadiusM) / std::cos(widest);
  if (ratio >= 1.0) return {{min_lat, max_lat, -180.0, 180.0}};
  const double dlng = std::asin(ratio) * kRadToDeg;
  const double min_lng = c.lng - dlng, max_lng = c.lng + dlng;
  if (min_lng < -180.0)
    return {{min_lat, max_lat, min_lng + 360.0, 180.0}, {min_lat, max_lat, -180.0, max_lng}};
  if (max_lng > 180.0)
    return {{min_lat, max_lat, min_lng, 180.0}, {min_lat, max_lat, -180.0, max_lng - 360.0}};
  return {{min_lat, max_lat, min_lng, max_lng}};
}

}  // namespace gd::tasks
