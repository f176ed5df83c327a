package main

import (
	"fmt"
	"strconv"
	"time"

	"smartmaint"
)

// The benchmark workload: batches of readingsPerBatch readings, sensors
// sensors each sampled every second, batch i covering seconds
// [i·perSensor, (i+1)·perSensor) after base; no two batches share a key.
const (
	sensors          = 100
	readingsPerBatch = 10_000
	perSensor        = readingsPerBatch / sensors
)

func sensorID(s int) string { return fmt.Sprintf("bench-%03d", s) }

// batchRows returns batch i as readings, ordered by time then sensor, as a
// plant's gateway would send them.
func batchRows(i int, base time.Time) []smartmaint.Reading {
	rows := make([]smartmaint.Reading, 0, readingsPerBatch)
	for k := 0; k < perSensor; k++ {
		ts := base.Add(time.Duration(i*perSensor+k) * time.Second)
		for s := 0; s < sensors; s++ {
			rows = append(rows, smartmaint.Reading{SensorID: sensorID(s), Time: ts, Value: value(i, k, s), Quality: 1,
				SensorType: smartmaint.SensorTypeVibration})
		}
	}
	return rows
}

func value(i, k, s int) float64 { return float64((i*perSensor+k)%1000)/10 + float64(s) }

// batchNDJSON returns batch i in the NDJSON ingest format.
func batchNDJSON(i int, base time.Time) []byte {
	b := make([]byte, 0, readingsPerBatch*80)
	for _, r := range batchRows(i, base) {
		b = append(b, `{"sensor_id":"`...)
		b = append(b, r.SensorID...)
		b = append(b, `","timestamp":"`...)
		b = r.Time.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, `","value":`...)
		b = strconv.AppendFloat(b, r.Value, 'g', -1, 64)
		b = append(b, "}\n"...)
	}
	return b
}
