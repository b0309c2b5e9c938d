// A test-only Kubernetes API server: the upstream apiextensions-apiserver (CRDs and custom
// resources, nothing of the core API) on a local etcd, for pb's tests. Loopback only: no
// authentication, no authorisation, no admission plugins, no priority-and-fairness.
// Built by build.sh from Debian's Go source packages; flags are the upstream ones
// (--etcd-servers, --secure-port, --bind-address, --cert-dir, ...).
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"

	"github.com/spf13/pflag"
	noopoteltrace "go.opentelemetry.io/otel/trace/noop"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	"k8s.io/apiextensions-apiserver/pkg/apiserver"
	"k8s.io/apiextensions-apiserver/pkg/cmd/server/options"
	generatedopenapi "k8s.io/apiextensions-apiserver/pkg/generated/openapi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	discoveryendpoint "k8s.io/apiserver/pkg/endpoints/discovery/aggregated"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/util/openapi"
	"k8s.io/apiserver/pkg/util/webhook"
	"k8s.io/client-go/kubernetes/scheme"
	netutils "k8s.io/utils/net"
)

// noServices: conversion webhooks would need Services, which this server does not have.
type noServices struct{}

func (noServices) ResolveEndpoint(namespace, name string, port int32) (*url.URL, error) {
	return nil, fmt.Errorf("no core API here: cannot resolve service %s/%s", namespace, name)
}

// discoveryRoot serves GET /apis. Upstream the apiextensions server leaves /apis to kube-aggregator
// (it sets EnableDiscovery off), so alone it answers 404 and kubectl finds no resource at all.
// The aggregated document, which the CRD discovery controller keeps current, is served as is to
// clients that ask for it (kubectl) and converted to an APIGroupList for the others (fabric8).
func discoveryRoot(aggregated http.Handler, next http.Handler) http.Handler {
	root := discoveryendpoint.WrapAggregatedDiscoveryToHandler(legacyGroups(aggregated), aggregated, nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.URL.Path == "/apis" || r.URL.Path == "/apis/") && r.Method == http.MethodGet {
			root.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func legacyGroups(aggregated http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner := httptest.NewRecorder()
		req := r.Clone(r.Context())
		req.Header.Del("If-None-Match")
		req.Header.Set("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
		aggregated.ServeHTTP(inner, req)
		var doc apidiscoveryv2.APIGroupDiscoveryList
		if err := json.Unmarshal(inner.Body.Bytes(), &doc); err != nil {
			http.Error(w, "aggregated discovery: "+err.Error(), http.StatusInternalServerError)
			return
		}
		list := metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{}}
		for _, g := range doc.Items {
			group := metav1.APIGroup{Name: g.Name}
			for _, v := range g.Versions {
				group.Versions = append(group.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g.Name + "/" + v.Version, Version: v.Version})
			}
			if len(group.Versions) > 0 {
				group.PreferredVersion = group.Versions[0] // versions come by priority
				list.Groups = append(list.Groups, group)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(list)
	})
}

func run() error {
	o := options.NewCustomResourceDefinitionsServerOptions(os.Stdout, os.Stderr)
	fs := pflag.NewFlagSet(os.Args[0], pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	// Parts that need a core API (kube-apiserver) to talk to: off.
	ro := o.RecommendedOptions
	ro.Authentication, ro.Authorization, ro.CoreAPI, ro.Admission = nil, nil, nil, nil
	ro.Features.EnablePriorityAndFairness = false
	if err := o.ServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	if err := o.Complete(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if err := ro.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil, []net.IP{netutils.ParseIPSloppy("127.0.0.1")}); err != nil {
		return err
	}

	gc := genericapiserver.NewRecommendedConfig(apiserver.Codecs)
	if err := o.ServerRunOptions.ApplyTo(&gc.Config); err != nil {
		return err
	}
	if err := ro.ApplyTo(gc); err != nil {
		return err
	}
	if err := o.APIEnablement.ApplyTo(&gc.Config, apiserver.DefaultAPIResourceConfigSource(), apiserver.Scheme); err != nil {
		return err
	}
	// OpenAPI v2 and v3: kubectl downloads them (apply, explain, validation).
	namer := openapinamer.NewDefinitionNamer(apiserver.Scheme, scheme.Scheme)
	defs := openapi.GetOpenAPIDefinitionsWithoutDisabledFeatures(generatedopenapi.GetOpenAPIDefinitions)
	gc.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(defs, namer)
	gc.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(defs, namer)

	var aggregated http.Handler
	chain := gc.BuildHandlerChainFunc
	gc.BuildHandlerChainFunc = func(h http.Handler, c *genericapiserver.Config) http.Handler {
		return chain(discoveryRoot(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { aggregated.ServeHTTP(w, r) }), h), c)
	}

	config := &apiserver.Config{
		GenericConfig: gc,
		ExtraConfig: apiserver.ExtraConfig{
			CRDRESTOptionsGetter: options.NewCRDRESTOptionsGetter(*ro.Etcd, gc.ResourceTransformers, gc.StorageObjectCountTracker),
			ServiceResolver:      noServices{},
			AuthResolverWrapper:  webhook.NewDefaultAuthenticationInfoResolverWrapper(nil, nil, gc.LoopbackClientConfig, noopoteltrace.NewTracerProvider()),
		},
	}
	server, err := config.Complete().New(genericapiserver.NewEmptyDelegate())
	if err != nil {
		return err
	}
	aggregated = server.GenericAPIServer.AggregatedDiscoveryGroupManager
	return server.GenericAPIServer.PrepareRun().RunWithContext(genericapiserver.SetupSignalContext())
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "apiserver:", err)
		os.Exit(1)
	}
}
