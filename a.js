const imp = new Function('s', 'return import(s)');
(async()=>{
 let t=Date.now();
 const vl = await imp('vega-lite'); const vega = await imp('vega');
 console.log('load ms', Date.now()-t, Object.keys(vl).slice(0,10), typeof vega.View);
 const spec = {data:{values:[{x:1,y:2},{x:2,y:3}]}, mark:'line', encoding:{x:{field:'x',type:'quantitative'},y:{field:'y',type:'quantitative'}}};
 const vg = vl.compile(spec).spec;
 const view = new vega.View(vega.parse(vg), {renderer:'none'});
 const svg = await view.toSVG(); console.log(svg.length, svg.slice(0,200));
})().catch(e=>console.error('ERR',e));
