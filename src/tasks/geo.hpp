// Great-circle geometry on a sphere (the radius PostGIS uses for geography with
// use_spheroid = false, so both back ends agree) and the ~250 m privacy grid.
#pragma once
#include <vector>

#include "core/geo.hpp"

namespace gd::tasks {

constexpr double kEarthRadiusM = 6371008.7714;
constexpr double kGridCellM = 250.0;

double haversine_m(GeoPoint a, GeoPoint b);

// The centre of the grid cell that holds p. Cells are kGridCellM of latitude tall and
// kGridCellM of longitude wide at the cell's central latitude.
GeoPoint snap_to_grid(GeoPoint p);

// Boxes in degrees that together contain every point within radius_m of centre; split in
// two across the antimeridian, widened to all longitudes near a pole.
struct Box {
  double min_lat, max_lat, min_lng, max_lng;
};
std::vector<Box> bounding_boxes(GeoPoint centre, double radius_m);

}  // namespace gd::tasks
