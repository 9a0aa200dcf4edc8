package main

import "github.com/spf13/cobra"

func (a *App) opsCommands() []*cobra.Command { return nil }
