package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"stagecoach/provider"
)

// deployDir is deploy/, from this package's folder.
const deployDir = "../../deploy"

// family is what a /metrics scrape shows of one metric family.
type family struct {
	help   string
	labels map[string]map[string]bool // label → values seen
}

// scrapeMetrics reads a Prometheus text exposition into families by sample
// name (a histogram's _bucket, _sum and _count each map to its family).
func scrapeMetrics(t *testing.T, body string) map[string]*family {
	t.Helper()
	fams := map[string]*family{}
	byName := map[string]*family{}
	sample := regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? `)
	pair := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, help, _ := strings.Cut(rest, " ")
			fams[name] = &family{help: help, labels: map[string]map[string]bool{}}
			continue
		}
		m := sample.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := m[1]
		f := fams[name]
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && f == nil {
				f = fams[base]
			}
		}
		if f == nil {
			t.Fatalf("/metrics: sample %s has no HELP", name)
		}
		byName[name] = f
		for _, p := range pair.FindAllStringSubmatch(m[3], -1) {
			if f.labels[p[1]] == nil {
				f.labels[p[1]] = map[string]bool{}
			}
			f.labels[p[1]][p[2]] = true
		}
	}
	return byName
}

// promExprs returns the PromQL of the alert rules and of the dashboard.
func promExprs(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	rules, err := os.ReadFile(filepath.Join(deployDir, "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(rules), "\n") {
		if expr, ok := strings.CutPrefix(strings.TrimSpace(line), "expr: "); ok {
			out["alerts.yml"] = append(out["alerts.yml"], expr)
		}
	}
	raw, err := os.ReadFile(filepath.Join(deployDir, "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			out["grafana-dashboard.json"] = append(out["grafana-dashboard.json"], tg.Expr)
		}
	}
	if len(out["alerts.yml"]) < 5 || len(out["grafana-dashboard.json"]) < 5 {
		t.Fatalf("found %d alert and %d dashboard expressions", len(out["alerts.yml"]), len(out["grafana-dashboard.json"]))
	}
	return out
}

// The alert rules and the Grafana dashboard in deploy/ name only metrics,
// labels and label values that a running server exports: each metric is in
// its /metrics after an assessment flow, each label is one of the metric's,
// and each value compared with is one seen or one its HELP lists.
func TestDeployMonitoringNamesExportedMetrics(t *testing.T) {
	t.Parallel()
	env := startDemo(t, 50*time.Millisecond)
	ctx := context.Background()
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the move to Assessment Complete", func() bool {
		return view(t, env.Lever, opp.ID).Stage == "Assessment Complete"
	})
	resp, err := http.Get(env.App.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	fams := scrapeMetrics(t, string(body))

	// The webhook types stagecoach sends providers, the values of
	// stagecoach_provider_webhooks_total's type label.
	webhookTypes := []string{provider.WebhookOrderCreated, provider.WebhookOrderReinvite, provider.WebhookOrderCancelled,
		provider.WebhookOrderFailed, provider.WebhookJobSynced, provider.WebhookJobRemoved, provider.WebhookExportCreated,
		provider.WebhookExportFailed, provider.WebhookConnectionBroken, provider.WebhookConnectionRestored}
	selector := regexp.MustCompile(`\b((?:stagecoach|go|process)_[a-z0-9_]+)(\{([^}]*)\})?`)
	matcher := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	grouping := regexp.MustCompile(`\bby \(([^)]*)\)`)
	// Values compared literally; of a regular expression's alternatives,
	// only those without regexp syntax.
	literal, plainRE := regexp.MustCompile(`^[a-z0-9_.]+$`), regexp.MustCompile(`^[a-z0-9_]+$`)
	known := func(f *family, label, value string) bool {
		switch {
		case f.labels[label][value]:
			return true
		case label == "status":
			return regexp.MustCompile(`^\d{1,3}$`).MatchString(value)
		case label == "type" && strings.HasPrefix(f.help, "Webhook deliveries to providers"):
			return slices.Contains(webhookTypes, value)
		}
		return regexp.MustCompile(`\b` + regexp.QuoteMeta(value) + `\b`).MatchString(f.help)
	}
	for file, exprs := range promExprs(t) {
		for _, expr := range exprs {
			labelsInExpr := map[string]bool{"le": true}
			for _, sel := range selector.FindAllStringSubmatch(expr, -1) {
				f := fams[sel[1]]
				if f == nil {
					t.Errorf("%s: %s is not in /metrics (in %s)", file, sel[1], expr)
					continue
				}
				for l := range f.labels {
					labelsInExpr[l] = true
				}
				for _, m := range matcher.FindAllStringSubmatch(sel[3], -1) {
					label, op, value := m[1], m[2], m[3]
					if label == "job" || label == "instance" {
						continue // Prometheus's target labels
					}
					if f.labels[label] == nil {
						t.Errorf("%s: %s has no label %q (in %s)", file, sel[1], label, expr)
						continue
					}
					values, plain := []string{value}, literal
					if op == "=~" || op == "!~" {
						values, plain = strings.Split(value, "|"), plainRE
					}
					for _, v := range values {
						if plain.MatchString(v) && !known(f, label, v) {
							t.Errorf("%s: %s{%s=%q}: no such value is exported (in %s)", file, sel[1], label, v, expr)
						}
					}
				}
			}
			for _, g := range grouping.FindAllStringSubmatch(expr, -1) {
				for _, l := range strings.Split(g[1], ",") {
					if l = strings.TrimSpace(l); !labelsInExpr[l] {
						t.Errorf("%s: grouping by %q, a label of none of the metrics in %s", file, l, expr)
					}
				}
			}
		}
	}

	scrape, err := os.ReadFile(filepath.Join(deployDir, "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(scrape), "job_name: stagecoach") {
		t.Error(`prometheus.yml: no scrape job "stagecoach", which the rules and the dashboard select`)
	}
}
