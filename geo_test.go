package nudge_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/nudgecrm/nudge"
)

// The cities of E7's example ("I'm going to be in Newport Beach next
// Tuesday…", seed 003), city-hall coordinates.
var (
	newportBeach = nudge.Location{City: "Newport Beach", Lat: 33.6189, Lon: -117.9298, HasCoords: true}
	irvine       = nudge.Location{City: "Irvine", Lat: 33.6846, Lon: -117.8265, HasCoords: true}
	longBeach    = nudge.Location{City: "Long Beach", Lat: 33.7701, Lon: -118.1937, HasCoords: true}
	losAngeles   = nudge.Location{City: "Los Angeles", Lat: 34.0522, Lon: -118.2437, HasCoords: true}
	sanDiego     = nudge.Location{City: "San Diego", Lat: 32.7157, Lon: -117.1611, HasCoords: true}
)

func TestDistanceKm(t *testing.T) {
	tests := []struct {
		name string
		a, b nudge.Location
		want string // km, to 0.1
	}{
		{"Newport Beach–Irvine", newportBeach, irvine, "12.0"},
		{"Newport Beach–Long Beach", newportBeach, longBeach, "29.6"},
		{"Newport Beach–Los Angeles", newportBeach, losAngeles, "56.2"},
		{"Newport Beach–San Diego", newportBeach, sanDiego, "123.3"},
		{"same place", irvine, irvine, "0.0"},
		{"one degree of the equator", nudge.Location{HasCoords: true}, nudge.Location{Lon: 1, HasCoords: true}, "111.2"},
		// Big Ben to the Statue of Liberty: 5,575 km by the usual calculators.
		{"London–New York", nudge.Location{Lat: 51.5007, Lon: -0.1246, HasCoords: true}, nudge.Location{Lat: 40.6892, Lon: -74.0445, HasCoords: true}, "5574.8"},
		{"antipodes", nudge.Location{Lat: 0, Lon: 0, HasCoords: true}, nudge.Location{Lat: 0, Lon: 180, HasCoords: true}, "20015.1"},
	}
	for _, tt := range tests {
		km, ok := tt.a.DistanceKm(tt.b)
		if got := fmt.Sprintf("%.1f", km); !ok || got != tt.want {
			t.Errorf("%s: %s km (ok %v), want %s", tt.name, got, ok, tt.want)
		}
		back, _ := tt.b.DistanceKm(tt.a)
		if math.Abs(back-km) > 1e-9 {
			t.Errorf("%s: not symmetric: %g and %g", tt.name, km, back)
		}
	}
	if _, ok := newportBeach.DistanceKm(nudge.Location{City: "Irvine"}); ok {
		t.Error("a location without coordinates has a distance")
	}
}

// Which of the example cities are within E7's default 25 km of Newport Beach.
func TestWithin25Km(t *testing.T) {
	want := map[string]bool{"Irvine": true, "Long Beach": false, "Los Angeles": false, "San Diego": false}
	for _, c := range []nudge.Location{irvine, longBeach, losAngeles, sanDiego} {
		km, _ := newportBeach.DistanceKm(c)
		if got := km <= 25; got != want[c.City] {
			t.Errorf("%s at %.1f km: within 25 km = %v, want %v", c.City, km, got, want[c.City])
		}
	}
}

// The bounding box holds every point of the circle, so filtering by it
// first never drops anyone within the distance.
func TestBoundingBox(t *testing.T) {
	centres := []nudge.Location{newportBeach, {Lat: 0, Lon: 0}, {Lat: 64.1466, Lon: -21.9426}, {Lat: -33.8688, Lon: 151.2093}, {Lat: 0, Lon: 179.9}, {Lat: 89.9, Lon: 10}}
	for _, c := range centres {
		for _, km := range []float64{1, 25, 500} {
			b := nudge.BoundingBox(c.Lat, c.Lon, km)
			// Walk the circle's edge (just inside it) by bearing.
			for deg := 0; deg < 360; deg += 5 {
				lat, lon := destination(c.Lat, c.Lon, float64(deg), km*0.999)
				if !b.Contains(lat, lon) {
					t.Errorf("box %+v around %g,%g (%g km) misses %g,%g at bearing %d", b, c.Lat, c.Lon, km, lat, lon, deg)
				}
			}
		}
	}
	// Around Newport Beach the 25 km box is tight: Los Angeles is outside.
	b := nudge.BoundingBox(newportBeach.Lat, newportBeach.Lon, 25)
	if b.Contains(losAngeles.Lat, losAngeles.Lon) || !b.Contains(irvine.Lat, irvine.Lon) {
		t.Errorf("box %+v: want Irvine in and Los Angeles out", b)
	}
	if got := fmt.Sprintf("%.4f %.4f %.4f %.4f", b.MinLat, b.MaxLat, b.MinLon, b.MaxLon); got != "33.3941 33.8437 -118.1998 -117.6598" {
		t.Errorf("box = %s", got)
	}
}

// destination is the point km away from (lat, lon) on a bearing (degrees
// from north), on the same sphere.
func destination(lat, lon, bearing, km float64) (float64, float64) {
	r := km / nudge.EarthRadiusKm
	φ1, λ1, θ := lat*math.Pi/180, lon*math.Pi/180, bearing*math.Pi/180
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(r) + math.Cos(φ1)*math.Sin(r)*math.Cos(θ))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(r)*math.Cos(φ1), math.Cos(r)-math.Sin(φ1)*math.Sin(φ2))
	lon2 := math.Mod(λ2*180/math.Pi+540, 360) - 180
	return φ2 * 180 / math.Pi, lon2
}
