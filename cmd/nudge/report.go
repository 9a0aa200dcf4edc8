package main

import "github.com/spf13/cobra"

func (a *App) reportCommand() *cobra.Command {
	return &cobra.Command{Use: "report", Short: "persistence reports (H1–H3)", Hidden: true}
}
