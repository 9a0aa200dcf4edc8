package main

import "github.com/spf13/cobra"

func (a *App) insightCommands() []*cobra.Command { return nil }
