// A WGS84 point as the API exchanges it: {"lat": 52.52, "lng": 13.405}.
#pragma once

namespace gd {

struct GeoPoint {
  double lat = 0;
  double lng = 0;
};

inline bool valid_point(double lat, double lng) {
  return lat >= -90.0 && lat <= 90.0 && lng >= -180.0 && lng <= 180.0;
}

}  // namespace gd
