package main

import (
	"context"

	"smartmaint/internal/mlcli"
)

func (m *Main) runML(ctx context.Context, args []string) error {
	return mlcli.Run(ctx, args, mlcli.IO{Stdout: m.Stdout, Stderr: m.Stderr})
}
