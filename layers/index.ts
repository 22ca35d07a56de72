export {GMMLayer, type GMMLayerArgs, type GmmLayerSampleOptions} from './gmm_layer';
export {MixtureDensityHead, type MixtureDensityHeadArgs} from './mixture_density_head';
export {gmmNLLLoss, fitWithoutTargets, mdnLoss} from './losses';
export {type InitializerSpec, type RegularizerSpec} from './serialization';
