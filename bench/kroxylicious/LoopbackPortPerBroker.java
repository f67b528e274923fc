// Kroxylicious's port-per-broker address provider, bound to the bootstrap address's host instead of
// every interface: the built-in providers of the published runtime have no bind-address setting,
// and the benchmark must listen on 127.0.0.1 only. Addresses and port layout are the built-in
// provider's (node n on bootstrap port + 1 + n), so this changes nothing on the data path.

import io.kroxylicious.proxy.internal.clusternetworkaddressconfigprovider.PortPerBrokerClusterNetworkAddressConfigProvider;
import io.kroxylicious.proxy.internal.clusternetworkaddressconfigprovider.PortPerBrokerClusterNetworkAddressConfigProvider.PortPerBrokerClusterNetworkAddressConfigProviderConfig;
import io.kroxylicious.proxy.plugin.Plugin;
import io.kroxylicious.proxy.service.ClusterNetworkAddressConfigProvider;
import io.kroxylicious.proxy.service.ClusterNetworkAddressConfigProviderService;
import io.kroxylicious.proxy.service.HostPort;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

@Plugin(configType = PortPerBrokerClusterNetworkAddressConfigProviderConfig.class)
public final class LoopbackPortPerBroker
        implements ClusterNetworkAddressConfigProviderService<PortPerBrokerClusterNetworkAddressConfigProviderConfig> {

    @Override
    public ClusterNetworkAddressConfigProvider build(PortPerBrokerClusterNetworkAddressConfigProviderConfig config) {
        ClusterNetworkAddressConfigProvider delegate = new PortPerBrokerClusterNetworkAddressConfigProvider().build(config);
        Optional<String> bindAddress = Optional.of(config.getBootstrapAddress().host());
        return new ClusterNetworkAddressConfigProvider() {
            @Override
            public HostPort getClusterBootstrapAddress() {
                return delegate.getClusterBootstrapAddress();
            }

            @Override
            public HostPort getBrokerAddress(int nodeId) {
                return delegate.getBrokerAddress(nodeId);
            }

            @Override
            public HostPort getAdvertisedBrokerAddress(int nodeId) {
                return delegate.getAdvertisedBrokerAddress(nodeId);
            }

            @Override
            public Integer getBrokerIdFromBrokerAddress(HostPort address) {
                return delegate.getBrokerIdFromBrokerAddress(address);
            }

            @Override
            public Optional<String> getBindAddress() {
                return bindAddress;
            }

            @Override
            public boolean requiresServerNameIndication() {
                return delegate.requiresServerNameIndication();
            }

            @Override
            public Set<Integer> getExclusivePorts() {
                return delegate.getExclusivePorts();
            }

            @Override
            public Set<Integer> getSharedPorts() {
                return delegate.getSharedPorts();
            }

            @Override
            public Map<Integer, HostPort> discoveryAddressMap() {
                return delegate.discoveryAddressMap();
            }
        };
    }
}
