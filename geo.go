package nudge

import "math"

// Distances on the Earth, for E7 ("going to be in the area"): which quiet
// prospects are near the place of the rep's meeting (A9). Coordinates come
// from the records (import, vCard GEO, `contact add --lat --lon`); nudge
// never asks a network geocoder.

// EarthRadiusKm is the Earth's mean radius (IUGG), the sphere distances are
// measured on. The sphere is off the ellipsoid by at most about 0.5%, which
// is nothing next to "within 25 km".
const EarthRadiusKm = 6371.0088

// DistanceKm returns the great-circle distance in kilometres between two
// points given in degrees, by the haversine formula (exact on the sphere and
// well-conditioned for short distances, unlike the spherical law of cosines).
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	φ1, φ2 := radians(lat1), radians(lat2)
	dφ, dλ := radians(lat2-lat1), radians(lon2-lon1)
	s1, s2 := math.Sin(dφ/2), math.Sin(dλ/2)
	h := s1*s1 + math.Cos(φ1)*math.Cos(φ2)*s2*s2
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// DistanceKm returns the great-circle distance between two locations; ok is
// false when either has no coordinates.
func (l Location) DistanceKm(o Location) (km float64, ok bool) {
	if !l.HasCoords || !o.HasCoords {
		return 0, false
	}
	return DistanceKm(l.Lat, l.Lon, o.Lat, o.Lon), true
}

// Box is a latitude/longitude rectangle in degrees.
type Box struct {
	MinLat, MaxLat, MinLon, MaxLon float64
}

// Contains reports whether the point lies in the box (edges included).
func (b Box) Contains(lat, lon float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lon >= b.MinLon && lon <= b.MaxLon
}

// BoundingBox returns a rectangle holding every point within km of (lat,
// lon): a cheap filter a database index can answer before the exact
// distance is computed. Near a pole, or when the circle crosses the
// antimeridian, the box spans every longitude (still correct, only wider).
func BoundingBox(lat, lon, km float64) Box {
	r := km / EarthRadiusKm // angular radius, radians
	dLat := degrees(r)
	b := Box{MinLat: math.Max(-90, lat-dLat), MaxLat: math.Min(90, lat+dLat), MinLon: -180, MaxLon: 180}
	if lat+dLat >= 90 || lat-dLat <= -90 {
		return b // a pole is inside the circle: every longitude is
	}
	// The widest longitude of a circle of angular radius r around latitude
	// φ is asin(sin r / cos φ) (the tangent meridians), not r / cos φ.
	dLon := degrees(math.Asin(math.Min(1, math.Sin(r)/math.Cos(radians(lat)))))
	if lon-dLon < -180 || lon+dLon > 180 {
		return b
	}
	b.MinLon, b.MaxLon = lon-dLon, lon+dLon
	return b
}

func radians(deg float64) float64 { return deg * math.Pi / 180 }
func degrees(rad float64) float64 { return rad * 180 / math.Pi }
