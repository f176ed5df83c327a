package registry

import (
	"os"
)

// DefaultDir is the registry directory when neither a flag nor the
// environment names one, relative to the working directory.
const DefaultDir = "smartmaint-data/registry"

// DirEnv is the environment variable that names the registry directory.
const DirEnv = "SMARTMAINT_REGISTRY"

// Dir returns the registry directory to use: flagValue when it is not empty,
// else $SMARTMAINT_REGISTRY when set, else DefaultDir.
func Dir(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv(DirEnv); env != "" {
		return env
	}
	return DefaultDir
}
