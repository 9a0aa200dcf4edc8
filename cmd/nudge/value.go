package main

import "github.com/spf13/cobra"

func (a *App) valueCommands() []*cobra.Command { return nil }
