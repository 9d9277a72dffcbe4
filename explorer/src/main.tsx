/** Entry point of the explorer bundle (scripts/build-explorer.mjs): mounts the app. */
import { render } from 'preact';
import { App } from './app';
import './style.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
