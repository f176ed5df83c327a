package sim

import (
	"math"
	"time"

	"smartmaint"
)

// Site IDs of the demo plant.
const (
	DemoSiteNorth = "north-plant"
	DemoSiteSouth = "south-plant"
)

// DemoPlant returns the demo plant: two sites and five assets (a centrifugal
// pump, a main drive motor, a screw air compressor, a cooling-tower fan and a
// conveyor gearbox), each with five correlated sensors. Every call returns a
// fresh copy.
func DemoPlant() *Plant {
	return &Plant{
		Sites: []SiteModel{
			{Site: smartmaint.Site{ID: DemoSiteNorth, Name: "North Plant — Assembly Hall", Timezone: "UTC",
				Description: "Final assembly line with its conveyor, main drive and cooling-water loop."},
				MeanTemp: 16, DailySwing: 5, MeanHumidity: 55},
			{Site: smartmaint.Site{ID: DemoSiteSouth, Name: "South Plant — Utilities", Timezone: "UTC",
				Description: "Compressed air and cooling tower serving the south plant."},
				MeanTemp: 21, DailySwing: 7, MeanHumidity: 50},
		},
		Assets: []*AssetModel{
			NewAsset(AssetPump, "pump-01", DemoSiteNorth),
			NewAsset(AssetMotor, "motor-01", DemoSiteNorth),
			NewAsset(AssetCompressor, "compressor-01", DemoSiteSouth),
			NewAsset(AssetFan, "fan-01", DemoSiteSouth),
			NewAsset(AssetGearbox, "gearbox-01", DemoSiteNorth),
		},
	}
}

// Asset kinds that NewAsset can build.
const (
	AssetPump       = "pump"
	AssetMotor      = "motor"
	AssetCompressor = "compressor"
	AssetFan        = "fan"
	AssetGearbox    = "gearbox"
)

// AssetKinds lists the asset kinds NewAsset knows, in a stable order.
var AssetKinds = []string{AssetPump, AssetMotor, AssetCompressor, AssetFan, AssetGearbox}

// NewAsset builds an asset of the given kind (see AssetKinds) with the given
// ID on the given site; its sensors are named "<id>-<measurement>", e.g.
// "pump-01-bearing-temp". It returns nil for an unknown kind.
func NewAsset(kind, id, siteID string) *AssetModel {
	t, ok := templates[kind]
	if !ok {
		return nil
	}
	a := &AssetModel{
		Asset: smartmaint.Asset{ID: id, SiteID: siteID, Name: t.name, Type: kind,
			Criticality: t.criticality, Metadata: copyMap(t.metadata)},
		Profile: t.profile,
	}
	for _, s := range t.sensors {
		a.Sensors = append(a.Sensors, s.build(id))
	}
	return a
}

type assetTemplate struct {
	name        string
	criticality int
	metadata    map[string]any
	profile     Profile
	sensors     []sensorSpec
}

// sensorSpec describes one sensor of a template; NaN alarm limits are unset.
type sensorSpec struct {
	suffix, name, unit, location string
	ch                           Channel
	interval                     float64
	min, max                     float64
	lowLow, low, high, highHigh  float64
	noise, res                   float64
}

var nan = math.NaN()

func (s sensorSpec) build(assetID string) SensorModel {
	return SensorModel{
		Sensor: smartmaint.Sensor{
			ID: assetID + "-" + s.suffix, AssetID: assetID, Name: s.name, Type: channels[s.ch],
			Unit: s.unit, Location: s.location, Status: smartmaint.SensorActive,
			ExpectedMin: ptr(s.min), ExpectedMax: ptr(s.max), SamplingInterval: s.interval,
			Alarms: smartmaint.AlarmLimits{LowLow: optional(s.lowLow), Low: optional(s.low),
				High: optional(s.high), HighHigh: optional(s.highHigh)},
			Metadata: map[string]any{"simulated": true, "channel": string(s.ch)},
		},
		Channel: s.ch, Noise: s.noise, Resolution: s.res,
	}
}

func ptr(v float64) *float64 { return &v }

func optional(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Sensor specs shared by every template.
var (
	vibrationSpec = sensorSpec{suffix: "vibration", name: "Vibration velocity RMS", unit: "mm/s",
		location: "drive-end bearing housing", ch: ChannelVibration, interval: 10, min: 0, max: 50,
		lowLow: nan, low: nan, high: 4.5, highHigh: 7.1, noise: 0.04, res: 0.01}
	voltageSpec = sensorSpec{suffix: "supply-voltage", name: "Supply voltage (line-to-line)", unit: "V",
		location: "motor terminal box", ch: ChannelVoltage, interval: 30, min: 0, max: 500,
		lowLow: 360, low: 380, high: 420, highHigh: 440, noise: 0.8, res: 0.1}
)

var templates = map[string]assetTemplate{
	AssetPump: {
		name: "Cooling water pump P-101", criticality: 4,
		metadata: map[string]any{"tag": "P-101", "manufacturer": "Grundfos", "model": "NB 65-200/219",
			"install_year": 2016, "rated_power_kw": 15, "description": "End-suction centrifugal pump, fixed speed"},
		profile: Profile{LoadScale: 1, LoadMin: 0.35, LoadMax: 1, StepEvery: 3 * time.Hour, LoadTau: 10 * time.Minute,
			IdleRPM: 2978, RatedRPM: 2952, SpinDown: 8 * time.Second,
			NoLoadCurrent: 10.5, RatedCurrent: 27.5, CurrentExponent: 1.2, NominalVoltage: 400,
			TempRise: 32, ThermalTau: 25 * time.Minute, BaseVibration: 2.0, ShutoffPressure: 6.2, PressureDrop: 1.6},
		sensors: []sensorSpec{
			{suffix: "bearing-temp", name: "Drive-end bearing temperature", unit: "°C", location: "pump drive-end bearing",
				ch: ChannelTemperature, interval: 30, min: -20, max: 150, lowLow: nan, low: nan, high: 80, highHigh: 95, noise: 0.15, res: 0.1},
			vibrationSpec,
			{suffix: "discharge-pressure", name: "Discharge pressure", unit: "bar", location: "discharge flange",
				ch: ChannelPressure, interval: 10, min: 0, max: 16, lowLow: 3, low: 3.8, high: 6.6, highHigh: 7.2, noise: 0.03, res: 0.01},
			{suffix: "motor-current", name: "Motor current", unit: "A", location: "motor control centre",
				ch: ChannelCurrent, interval: 10, min: 0, max: 60, lowLow: nan, low: nan, high: 30.5, highHigh: 33, noise: 0.15, res: 0.1},
			{suffix: "speed", name: "Shaft speed", unit: "rpm", location: "coupling",
				ch: ChannelSpeed, interval: 10, min: 0, max: 3600, lowLow: 2700, low: 2850, high: 3050, highHigh: 3100, noise: 1.5, res: 1},
		},
	},
	AssetMotor: {
		name: "Main drive motor M-201", criticality: 5,
		metadata: map[string]any{"tag": "M-201", "manufacturer": "Siemens", "model": "SIMOTICS GP 1LE1003-2CB2",
			"install_year": 2018, "rated_power_kw": 55, "description": "4-pole induction motor, direct on line"},
		profile: Profile{LoadScale: 1.05, LoadMin: 0.3, LoadMax: 1.05, StepEvery: 2 * time.Hour, LoadTau: 5 * time.Minute,
			IdleRPM: 1497, RatedRPM: 1482, SpinDown: 20 * time.Second,
			NoLoadCurrent: 36, RatedCurrent: 98, CurrentExponent: 1.3, NominalVoltage: 400,
			TempRise: 65, ThermalTau: 35 * time.Minute, BaseVibration: 1.6},
		sensors: []sensorSpec{
			{suffix: "winding-temp", name: "Stator winding temperature (PT100)", unit: "°C", location: "stator winding",
				ch: ChannelTemperature, interval: 30, min: -20, max: 200, lowLow: nan, low: nan, high: 130, highHigh: 150, noise: 0.2, res: 0.1},
			vibrationSpec,
			{suffix: "current", name: "Phase current", unit: "A", location: "motor control centre",
				ch: ChannelCurrent, interval: 10, min: 0, max: 200, lowLow: nan, low: nan, high: 110, highHigh: 125, noise: 0.4, res: 0.1},
			{suffix: "speed", name: "Shaft speed", unit: "rpm", location: "non-drive end encoder",
				ch: ChannelSpeed, interval: 10, min: 0, max: 1800, lowLow: 1300, low: 1450, high: 1520, highHigh: 1550, noise: 0.8, res: 1},
			voltageSpec,
		},
	},
	AssetCompressor: {
		name: "Screw air compressor C-301", criticality: 4,
		metadata: map[string]any{"tag": "C-301", "manufacturer": "Atlas Copco", "model": "GA 37",
			"install_year": 2015, "rated_power_kw": 37, "description": "Oil-injected screw compressor, load/unload control"},
		profile: Profile{LoadScale: 0.8, LoadMin: 0.25, LoadMax: 0.85, StepEvery: 2 * time.Hour, LoadTau: 10 * time.Minute,
			IdleRPM: 2975, RatedRPM: 2962, SpinDown: 15 * time.Second,
			NoLoadCurrent: 24, RatedCurrent: 66, CurrentExponent: 1, NominalVoltage: 400,
			TempRise: 58, ThermalTau: 6 * time.Minute, BaseVibration: 2.6,
			Cycling: true, CutInPressure: 6.8, CutOutPressure: 7.8, FillRate: 0.6},
		sensors: []sensorSpec{
			{suffix: "discharge-temp", name: "Element outlet temperature", unit: "°C", location: "compression element outlet",
				ch: ChannelTemperature, interval: 30, min: -20, max: 150, lowLow: nan, low: nan, high: 100, highHigh: 110, noise: 0.2, res: 0.1},
			vibrationSpec,
			{suffix: "discharge-pressure", name: "Net delivery pressure", unit: "bar", location: "air outlet",
				ch: ChannelPressure, interval: 10, min: 0, max: 16, lowLow: 5.5, low: 6.3, high: 8.3, highHigh: 8.8, noise: 0.02, res: 0.01},
			{suffix: "motor-current", name: "Motor current", unit: "A", location: "starter panel",
				ch: ChannelCurrent, interval: 10, min: 0, max: 150, lowLow: nan, low: nan, high: 72, highHigh: 80, noise: 0.3, res: 0.1},
			{suffix: "room-humidity", name: "Compressor room relative humidity", unit: "%RH", location: "compressor room wall",
				ch: ChannelHumidity, interval: 60, min: 0, max: 100, lowLow: nan, low: nan, high: 92, highHigh: nan, noise: 0.8, res: 0.1},
		},
	},
	AssetFan: {
		name: "Cooling tower fan F-401", criticality: 2,
		metadata: map[string]any{"tag": "F-401", "manufacturer": "ebm-papst", "model": "W3G910-KU25-03",
			"install_year": 2019, "rated_power_kw": 7.5, "description": "Axial fan on a frequency converter, speed follows cooling demand"},
		profile: Profile{LoadScale: 1, LoadMin: 0.25, LoadMax: 1, AmbientDriven: 0.6, StepEvery: 4 * time.Hour, LoadTau: 15 * time.Minute,
			IdleRPM: 280, RatedRPM: 1460, SpinDown: 40 * time.Second,
			NoLoadCurrent: 2.2, RatedCurrent: 14.5, CurrentExponent: 2.5, NominalVoltage: 400,
			TempRise: 35, ThermalTau: 20 * time.Minute, BaseVibration: 1.8},
		sensors: []sensorSpec{
			{suffix: "motor-temp", name: "Fan motor temperature", unit: "°C", location: "motor housing",
				ch: ChannelTemperature, interval: 30, min: -30, max: 150, lowLow: nan, low: nan, high: 90, highHigh: 105, noise: 0.15, res: 0.1},
			vibrationSpec,
			{suffix: "speed", name: "Fan speed", unit: "rpm", location: "frequency converter feedback",
				ch: ChannelSpeed, interval: 10, min: 0, max: 1800, lowLow: 300, low: 400, high: 1550, highHigh: 1600, noise: 2, res: 1},
			{suffix: "motor-current", name: "Motor current", unit: "A", location: "frequency converter",
				ch: ChannelCurrent, interval: 10, min: 0, max: 30, lowLow: nan, low: nan, high: 15.5, highHigh: 17, noise: 0.08, res: 0.01},
			{suffix: "ambient-temp", name: "Outdoor air temperature", unit: "°C", location: "cooling tower air inlet",
				ch: ChannelAmbientTemperature, interval: 60, min: -30, max: 60, lowLow: nan, low: nan, high: 42, highHigh: 46, noise: 0.2, res: 0.1},
		},
	},
	AssetGearbox: {
		name: "Conveyor gearbox G-501", criticality: 3,
		metadata: map[string]any{"tag": "G-501", "manufacturer": "SEW-Eurodrive", "model": "KA87 DRN132M4",
			"install_year": 2017, "rated_power_kw": 11, "ratio": 25.6, "description": "Helical-bevel gear unit driving the assembly conveyor"},
		profile: Profile{LoadScale: 0.95, LoadMin: 0.2, LoadMax: 1, StepEvery: 45 * time.Minute, LoadTau: 4 * time.Minute,
			IdleRPM: 58.6, RatedRPM: 57.8, SpinDown: 5 * time.Second,
			NoLoadCurrent: 8.5, RatedCurrent: 21.7, CurrentExponent: 1, NominalVoltage: 400,
			TempRise: 38, ThermalTau: 45 * time.Minute, BaseVibration: 1.3},
		sensors: []sensorSpec{
			{suffix: "oil-temp", name: "Gear oil sump temperature", unit: "°C", location: "oil sump",
				ch: ChannelTemperature, interval: 60, min: -20, max: 150, lowLow: nan, low: nan, high: 85, highHigh: 95, noise: 0.15, res: 0.1},
			vibrationSpec,
			{suffix: "output-speed", name: "Output shaft speed", unit: "rpm", location: "output shaft",
				ch: ChannelSpeed, interval: 10, min: 0, max: 120, lowLow: 50, low: 55, high: 61, highHigh: 63, noise: 0.1, res: 0.1},
			{suffix: "motor-current", name: "Drive motor current", unit: "A", location: "motor control centre",
				ch: ChannelCurrent, interval: 10, min: 0, max: 50, lowLow: nan, low: nan, high: 24, highHigh: 27, noise: 0.1, res: 0.1},
			voltageSpec,
		},
	},
}

// DemoScenarios returns the demo's story for a simulation that starts at
// origin and is watched live from now on (origin ≤ now):
//
//   - pump-01 wears its drive-end bearing from 20 hours before now and fails
//     36 hours after now: vibration is already rising when the demo opens;
//   - motor-01's winding temperature sensor drifts by +6 °C over 12 hours,
//     starting 6 hours before now;
//   - compressor-01 has 12 seeded anomalies spread from origin to a day
//     after now;
//   - gearbox-01 gets a vibration spike above its trip limit 2 minutes after
//     now and a stuck speed sensor from 10 to 25 minutes after now, so the
//     live stream shows alerts early;
//   - fan-01 runs normally.
func DemoScenarios(origin, now time.Time) []Scenario {
	return []Scenario{
		&Degradation{Asset: "pump-01", Start: now.Add(-20 * time.Hour), FailureAt: now.Add(36 * time.Hour)},
		Drift{Asset: "motor-01", Start: now.Add(-6 * time.Hour), Duration: 12 * time.Hour, Magnitude: 6},
		Anomalies{Asset: "compressor-01", Count: 12, Start: origin, Span: now.Add(24 * time.Hour).Sub(origin)},
		Anomalies{Asset: "gearbox-01", Events: []AnomalyEvent{
			{SensorID: "gearbox-01-vibration", Kind: AnomalySpike, Start: now.Add(2 * time.Minute), Duration: 30 * time.Second, Magnitude: 8},
			{SensorID: "gearbox-01-output-speed", Kind: AnomalyStuck, Start: now.Add(10 * time.Minute), Duration: 15 * time.Minute},
		}},
		Normal{Asset: "fan-01"},
	}
}
