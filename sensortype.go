package smartmaint

import "strings"

// Sensor types known to the platform: the original system's types and the
// usual plant quantities. Any other lowercase identifier is accepted as a
// custom type.
const (
	SensorTypeTemperature   = "temperature"
	SensorTypeVibration     = "vibration"
	SensorTypePressure      = "pressure"
	SensorTypeHumidity      = "humidity"
	SensorTypeBearing       = "bearing"
	SensorTypePump          = "pump"
	SensorTypeManufacturing = "manufacturing"
	SensorTypeAudio         = "audio"
	SensorTypeForecasting   = "forecasting"
	SensorTypeVoltage       = "voltage"
	SensorTypeCurrent       = "current"
	SensorTypeRPM           = "rpm"
	SensorTypeFlow          = "flow"
	SensorTypeGeneral       = "general"
)

// SensorTypes lists the built-in sensor types.
var SensorTypes = []string{
	SensorTypeTemperature, SensorTypeVibration, SensorTypePressure, SensorTypeHumidity,
	SensorTypeBearing, SensorTypePump, SensorTypeManufacturing, SensorTypeAudio,
	SensorTypeForecasting, SensorTypeVoltage, SensorTypeCurrent, SensorTypeRPM,
	SensorTypeFlow, SensorTypeGeneral,
}

// ValidateSensorType accepts a built-in type or a custom one: 1 to 50
// characters of lowercase letters, digits and underscores, starting with a
// letter.
func ValidateSensorType(t string) error {
	if t == "" {
		return FieldErrorf("sensor_type", "is required")
	}
	if len(t) > 50 {
		return FieldErrorf("sensor_type", "is %d characters long; the maximum is 50", len(t))
	}
	for i, r := range t {
		ok := r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '_')
		if !ok {
			return FieldErrorf("sensor_type", "%q is not a valid type: use lowercase letters, digits and _ (starting with a letter)", t)
		}
	}
	return nil
}

// NormalizeSensorType lower-cases t and strips the "sensortype." prefix that
// the original system's enum values carried.
func NormalizeSensorType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	return strings.TrimPrefix(t, "sensortype.")
}

// sensorTypeKeywords maps substrings of a sensor ID to a type, in the order the
// original system tried them, followed by the quantities it did not know.
var sensorTypeKeywords = []struct {
	keywords []string
	typ      string
}{
	{[]string{"bearing", "bear"}, SensorTypeBearing},
	{[]string{"pump", "flow"}, SensorTypePump},
	{[]string{"vibr", "vib", "accel"}, SensorTypeVibration},
	{[]string{"temp"}, SensorTypeTemperature},
	{[]string{"press"}, SensorTypePressure},
	{[]string{"audio", "sound", "mic"}, SensorTypeAudio},
	{[]string{"humid"}, SensorTypeHumidity},
	{[]string{"volt"}, SensorTypeVoltage},
	{[]string{"current", "amp"}, SensorTypeCurrent},
	{[]string{"rpm", "speed"}, SensorTypeRPM},
}

// InferSensorType guesses a sensor's type from its ID the way the original
// system did (bearing/bear → bearing, pump/flow → pump, vibr/vib/accel →
// vibration, temp → temperature, press → pressure, audio/sound/mic → audio),
// extended with humidity, voltage, current and rpm; otherwise general.
func InferSensorType(sensorID string) string {
	id := strings.ToLower(sensorID)
	for _, k := range sensorTypeKeywords {
		for _, w := range k.keywords {
			if strings.Contains(id, w) {
				return k.typ
			}
		}
	}
	return SensorTypeGeneral
}
