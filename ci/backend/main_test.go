package backend

import (
	"os"
	"testing"
	"time"

	"dagger/devsecops/ci/testenv"
)

func TestMain(m *testing.M) {
	// The owner check re-reads the bucket list for eventual consistency; moto
	// is consistent, so short waits keep the wrong-owner test fast.
	ownerRetryDelays = []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}
	code := m.Run()
	testenv.StopSharedMoto()
	os.Exit(code)
}
