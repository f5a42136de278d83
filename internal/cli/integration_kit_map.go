package cli

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"stagecoach/internal/app"
	"stagecoach/internal/engine"
)

// integrationKitMapFlags is `stagecoach integration kit-map`: it shows or
// sets a video interview integration's kit map:
//
//	stagecoach integration kit-map --id int_… [--default kit] [--posting <posting id>=<kit> …] [--clear]
func integrationKitMapFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "integration id (required)")
	def := fs.String("default", "", "the default interview kit (a package id); \"-\" removes it")
	var postings multiFlag
	fs.Var(&postings, "posting", "<Lever posting id>=<package id>, repeatable; <posting id>= removes the posting's kit")
	clear := fs.Bool("clear", false, "start from an empty map instead of the current one")
	return func(ctx context.Context, c *call) error {
		e := c.engine
		_, _, s, err := e.ProviderIntegration(ctx, "", *id)
		if err != nil {
			return err
		}
		m := engine.KitMapOf(s)
		if *clear {
			m = engine.KitMap{PostingPackages: map[string]string{}}
		}
		changed := *clear
		switch *def {
		case "":
		case "-":
			m.DefaultPackage, changed = "", true
		default:
			m.DefaultPackage, changed = *def, true
		}
		for _, p := range postings {
			posting, kit, ok := strings.Cut(p, "=")
			if !ok || posting == "" {
				return fmt.Errorf("integration kit-map: --posting %q is not <posting id>=<package id>", p)
			}
			if kit == "" {
				delete(m.PostingPackages, posting)
			} else {
				m.PostingPackages[posting] = kit
			}
			changed = true
		}
		if changed {
			if m, err = e.SetKitMap(ctx, "", *id, m); err != nil {
				return err
			}
			c.note("integration.kit_map", "integration:"+*id, "")
		}
		fmt.Fprintf(c.stdout, "default kit: %s\n", firstOf(m.DefaultPackage, "(none)"))
		t := newRows("POSTING", "KIT")
		for _, posting := range slices.Sorted(maps.Keys(m.PostingPackages)) {
			t.add(posting, m.PostingPackages[posting])
		}
		return t.printTable(c.stdout)
	}
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
