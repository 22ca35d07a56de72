export {GMMLayer, GMMLayerArgs} from './gmm_layer';
export {MixtureDensityHead, MixtureDensityHeadArgs} from './mixture_density_head';
export {gmmNLLLoss, fitWithoutTargets, mdnLoss} from './losses';
export {InitializerSpec, RegularizerSpec} from './serialization';
